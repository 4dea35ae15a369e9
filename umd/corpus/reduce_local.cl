// Sum of each workgroup's 64 elements: a tree reduction in __local memory.
#define WG 64
__kernel void reduce_local(__global const uint* in, __global uint* sums)
{
    __local uint s[WG];
    uint l = get_local_id(0);
    s[l] = in[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint h = WG / 2; h > 0; h >>= 1) {
        if (l < h)
            s[l] += s[l + h];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        sums[get_group_id(0)] = s[0];
}
