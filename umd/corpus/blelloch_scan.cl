// Exclusive prefix sum of each block of 256 with the work-efficient
// (up-sweep, down-sweep) algorithm: 128 work-items, two elements each.
#define N 256
__kernel void blelloch_scan(__global const uint* in, __global uint* out)
{
    __local uint s[N];
    uint l = get_local_id(0), base = get_group_id(0) * N;
    s[2 * l] = in[base + 2 * l];
    s[2 * l + 1] = in[base + 2 * l + 1];
    uint offset = 1;
    for (uint d = N >> 1; d > 0; d >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (l < d) {
            uint ai = offset * (2 * l + 1) - 1, bi = offset * (2 * l + 2) - 1;
            s[bi] += s[ai];
        }
        offset <<= 1;
    }
    if (l == 0)
        s[N - 1] = 0;
    for (uint d = 1; d < N; d <<= 1) {
        offset >>= 1;
        barrier(CLK_LOCAL_MEM_FENCE);
        if (l < d) {
            uint ai = offset * (2 * l + 1) - 1, bi = offset * (2 * l + 2) - 1;
            uint t = s[ai];
            s[ai] = s[bi];
            s[bi] += t;
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    out[base + 2 * l] = s[2 * l];
    out[base + 2 * l + 1] = s[2 * l + 1];
}
