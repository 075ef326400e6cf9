/** Keeps the newest `max` items. */
export class BoundedList<T> {
  private readonly items: T[] = [];
  constructor(private readonly max: number) {}
  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max);
  }
  toArray(): T[] {
    return [...this.items];
  }
  get length(): number {
    return this.items.length;
  }
}
