// Linear memory, laid out once from the heap base:
//   scratch (SCRATCH_VALUES f64) | f64 factor table (TABLE_CAP f64) | f32 factor table | output buffer
// Nothing else allocates and no region moves. reserve grows memory to the end of the output
// buffer, so the regions before it exist once a buffer does; growing memory detaches the host's
// views, so the host takes them after reserve.

/** Longest cosine part whose factors are kept in a table (256 KiB in f64: stays in L2). */
export const TABLE_CAP: i32 = 1 << 15;
/** f64 values the f32 fill computes at a time where it needs the f64 kernels. */
export const SCRATCH_VALUES: i32 = 512;

// @ts-ignore: decorator
@inline
function base(): usize {
  return (__heap_base + 15) & ~<usize>15;
}

// @ts-ignore: decorator
@inline
export function scratchAddress(): usize {
  return base();
}

// @ts-ignore: decorator
@inline
export function table64Address(): usize {
  return base() + (<usize>SCRATCH_VALUES << 3);
}

// @ts-ignore: decorator
@inline
export function table32Address(): usize {
  return table64Address() + (<usize>TABLE_CAP << 3);
}

// @ts-ignore: decorator
@inline
function bufferAddress(): usize {
  return table32Address() + (<usize>TABLE_CAP << 2);
}

/** Grows memory so that every byte below `end` exists. */
export function ensureMemory(end: usize): void {
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) unreachable();
  }
}

/** Returns the 16-byte aligned output buffer, grown to at least `bytes` bytes. */
export function reserve(bytes: usize): usize {
  const ptr = bufferAddress();
  ensureMemory(ptr + bytes);
  return ptr;
}
