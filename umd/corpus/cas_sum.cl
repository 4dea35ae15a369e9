// A sum built with a compare-and-swap loop, plus and/or/xor atomics, on one
// set of global words: acc = {sum, or, xor}, and_acc[0] = and (starting all ones).
__kernel void cas_sum(__global const uint* data, __global uint* acc, __global uint* and_acc, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint v = data[i];
    uint old = acc[0], seen;
    while ((seen = atomic_cmpxchg(&acc[0], old, old + v)) != old)
        old = seen;
    atomic_and(&and_acc[0], v | 0xff000000u);
    atomic_or(&acc[1], v & 0x00ffff00u);
    atomic_xor(&acc[2], v);
}
