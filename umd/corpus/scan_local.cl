// Inclusive prefix sum within each workgroup of 64 (Hillis-Steele in __local).
#define WG 64
__kernel void scan_local(__global const uint* in, __global uint* out)
{
    __local uint s[WG];
    uint l = get_local_id(0), g = get_global_id(0);
    s[l] = in[g];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint off = 1; off < WG; off <<= 1) {
        uint t = l >= off ? s[l - off] : 0;
        barrier(CLK_LOCAL_MEM_FENCE);
        s[l] += t;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    out[g] = s[l];
}
