// One reusable output buffer, placed at the heap base and grown on demand. Nothing else in the
// module allocates, so the buffer never moves while in use (the host retakes its view after
// reserve, since growing memory detaches old views).
let bufferSize: usize = 0;

/** Returns a 16-byte aligned buffer of at least `bytes` bytes. */
export function reserve(bytes: usize): usize {
  const ptr = (__heap_base + 15) & ~<usize>15;
  if (bytes > bufferSize) {
    const end = ptr + bytes;
    const have = <usize>memory.size() << 16;
    if (end > have) {
      const pages = <i32>((end - have + 0xffff) >> 16);
      if (memory.grow(pages) < 0) unreachable();
    }
    bufferSize = bytes;
  }
  return ptr;
}
