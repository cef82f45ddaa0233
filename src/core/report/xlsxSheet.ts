export const XLSX_DETAILS_SHEET = 'MCP_Details';
