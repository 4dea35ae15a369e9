// Global and local atomics: a histogram, min/max, exchange and a counter
// through compare-and-swap.
kernel void atomics(global const uint* data, global uint* hist, global int* minmax, global uint* cas, uint n)
{
    local uint lhist[16];
    size_t lid = get_local_id(0);
    size_t i = get_global_id(0);
    if (lid < 16)
        lhist[lid] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (i < n) {
        uint v = data[i];
        atomic_inc(&lhist[v & 15]);
        atomic_min(&minmax[0], (int)v - 500);
        atomic_max(&minmax[1], (int)v - 500);
        uint old = cas[0];
        while (true) {
            uint seen = atomic_cmpxchg(&cas[0], old, old + 1);
            if (seen == old)
                break;
            old = seen;
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid < 16)
        atomic_add(&hist[lid], lhist[lid]);
}
