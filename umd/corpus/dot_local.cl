// Dot product per workgroup of 128: products, then a float tree reduction
// in __local (whole-number inputs: every partial sum is exact).
#define WG 128
__kernel void dot_local(__global const float* a, __global const float* b, __global float* partial)
{
    __local float s[WG];
    uint l = get_local_id(0), g = get_global_id(0);
    s[l] = a[g] * b[g];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint h = WG / 2; h > 0; h >>= 1) {
        if (l < h)
            s[l] += s[l + h];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        partial[get_group_id(0)] = s[0];
}
