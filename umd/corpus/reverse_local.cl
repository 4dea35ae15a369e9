// Reverse every workgroup's block of 256 through __local memory.
#define WG 256
__kernel void reverse_local(__global const uint* in, __global uint* out)
{
    __local uint s[WG];
    uint l = get_local_id(0), base = get_group_id(0) * WG;
    s[l] = in[base + l];
    barrier(CLK_LOCAL_MEM_FENCE);
    out[base + l] = s[WG - 1 - l];
}
