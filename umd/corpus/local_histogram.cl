// 64-bin histogram: per workgroup in __local memory with local atomics,
// then merged into the global bins.
#define BINS 64
__kernel void local_histogram(__global const uint* data, __global uint* bins, uint n)
{
    __local uint local_bins[BINS];
    uint l = get_local_id(0), size = get_local_size(0), g = get_global_id(0);
    for (uint b = l; b < BINS; b += size)
        local_bins[b] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (g < n)
        atomic_inc(&local_bins[data[g] % BINS]);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint b = l; b < BINS; b += size)
        if (local_bins[b])
            atomic_add(&bins[b], local_bins[b]);
}
