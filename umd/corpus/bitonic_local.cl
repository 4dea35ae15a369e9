// Each workgroup sorts its 128 elements ascending: bitonic network in __local.
#define WG 128
__kernel void bitonic_local(__global const uint* in, __global uint* out)
{
    __local uint s[WG];
    uint l = get_local_id(0), g = get_global_id(0);
    s[l] = in[g];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint k = 2; k <= WG; k <<= 1) {
        for (uint j = k >> 1; j > 0; j >>= 1) {
            uint p = l ^ j;
            if (p > l) {
                uint a = s[l], b = s[p];
                bool up = (l & k) == 0;
                if ((a > b) == up) {
                    s[l] = b;
                    s[p] = a;
                }
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
    }
    out[g] = s[l];
}
