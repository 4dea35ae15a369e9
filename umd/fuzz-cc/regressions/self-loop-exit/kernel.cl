// Reduced from vsvm-fuzz-cc seed 1211: a loop whose header is its own latch
// and whose exit goes through a block that only branches on (clang's
// loop-exit block) let the exiting lanes loop again: the back end ignored
// the exit path of a self-loop, and the emulator timed out.
kernel void fuzz(global const float* restrict in0, global const float* restrict in1, global ulong* restrict out, global uint* restrict counters)
{
    const uint gid = (uint)get_global_id(0);
    const uint lid = (uint)get_local_id(0);
    int v0 = -611;
    uint w0 = (lid & 7u);
    while (w0 != 0u) {
        w0--;
        for (uint i1 = 0u; i1 < 2u; i1++) {
            out[gid * 14u + 7u] = as_ulong(((long)(popcount(v0))));
        }
        v0 = 3;
    }
    out[gid * 14u + 0u] = ((ulong)as_uint(v0));
}
