// Four-byte scratch cells in a module's linear memory (an FFI out-parameter, an argument vector), one per owner — a
// QuickJS runtime or context — made on first use and freed with the owner, so a run leaves nothing allocated.

interface Heap {
  _malloc(size: number): number;
  _free(ptr: number): void;
}

export class OwnerCells<Owner> {
  private readonly cells = new Map<Owner, number>();

  constructor(private readonly heap: Heap) {}

  /** The owner's cell, made on first use; 0 when the memory cap refused even 4 bytes. */
  get(owner: Owner): number {
    let cell = this.cells.get(owner) ?? 0;
    if (!cell) {
      cell = this.heap._malloc(4);
      if (cell) this.cells.set(owner, cell);
    }
    return cell;
  }

  /** Frees the owner's cell, if it has one (call before freeing the owner itself). */
  release(owner: Owner): void {
    const cell = this.cells.get(owner);
    if (!cell) return;
    this.cells.delete(owner);
    this.heap._free(cell);
  }
}
