// vsvm-fuzz-cc program, seed 2311
#pragma OPENCL FP_CONTRACT OFF

static uint f2u32(float f) { return (f > -1.0f && f < 4294967296.0f) ? (uint)f : 0u; }
static int safe_div_i32(int a, int b) { return (b == 0 || (a == INT_MIN && b == -1)) ? a : a / b; }
static long safe_div_i64(long a, long b) { return (b == 0L || (a == LONG_MIN && b == -1L)) ? a : a / b; }
static uint safe_div_u32(uint a, uint b) { return b == 0u ? a : a / b; }
static uint safe_rem_u32(uint a, uint b) { return b == 0u ? a : a % b; }

kernel void fuzz(global const uint* restrict in0, global const int* restrict in1, global ulong* restrict out, global uint* restrict counters)
{
    const uint gid = (uint)get_global_id(0);
    const uint lid = (uint)get_local_id(0);
    const uint grp = (uint)get_group_id(0);
    local uint lx[16];
    local uint lcount[1];
    int v0 = as_int((uint)(as_int((uint)(4294967295UL))) * (uint)(as_int((uint)(0u))));
    uint v1 = ((uint)((76950L >> ((uint)(gid) & 63u))));
    long v2 = (((((long)(gid)) >= 1L) && (((ulong)(gid)) < 18175264136217743270UL)) ? 2147483647L : mul_hi(72949L, 19506L));
    long v3 = as_long((ulong)((91275L ^ v2)) * (ulong)(safe_div_i64(v2, v2)));
    long v4 = as_long(abs((((long)(3u))) | 1));
    long v5 = as_long((ulong)((v2 ^ v3)) + (ulong)(as_long((ulong)0 - (ulong)(v3))));
    lx[lid] = clz((27474088u | 942896620u));
    barrier(CLK_LOCAL_MEM_FENCE);
    v1 = lx[(lid & 15u)];
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0u) lcount[0] = 1900769297u;
    barrier(CLK_LOCAL_MEM_FENCE);
    atomic_add(&lcount[0], abs((v0) | 1));
    barrier(CLK_LOCAL_MEM_FENCE);
    v5 = ((long)(lcount[0]));
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint i0 = 0u; i0 < (lid & 7u); i0++) {
        out[gid * 14u + 6u] = as_ulong((as_long((ulong)0 - (ulong)(as_long((ulong)(16370L) << ((uint)(16u) & 63u)))) & as_long(abs((safe_div_i64(v4, v4)) | 1))));
        atomic_add(&counters[0], mul_hi(safe_div_u32(v1, 31u), clamp(i0, min(2147483647u, 3765106240u), max(2147483647u, 3765106240u))));
        v3 = min(((v4 >> ((uint)(0u) & 63u)) ^ clamp(v5, min(93732L, 43757L), max(93732L, 43757L))), safe_div_i64(v4, mul_hi(87421L, v3)));
        atomic_add(&counters[0], lid);
    }
    v3 = popcount(54315L);
    atomic_add(&counters[0], (((gid & 4u) == 0u) ? (in0[(gid & 63u)] - in0[((gid ^ gid) & 63u)]) : ((!(v3 >= (-9223372036854775807L - 1L))) ? v1 : in0[(gid & 63u)])));
    v1 = 3866630783u;
    v4 = as_long((ulong)(mul_hi((v3 | v4), as_long((ulong)0 - (ulong)(v5)))) << ((uint)(clamp(clz(in0[(gid & 63u)]), min(3548332933u, 3355918352u), max(3548332933u, 3355918352u))) & 63u));
    v2 = ((long)(mul_hi(in1[(v1 & 15u)], safe_div_i32(v0, v0))));
    uint w1 = (abs((as_int((uint)(v0) - (uint)(v0))) | 1) & 7u);
    while (w1 != 0u) {
        w1--;
        v1 = (w1 + abs(((v0 >> ((uint)(grp) & 31u))) | 1));
        v0 = as_int((uint)(((uint)(!(((gid * 6u) & 7u) > 0u)))));
    }
    out[gid * 14u + 0u] = ((ulong)as_uint(v0));
    out[gid * 14u + 1u] = ((ulong)(v1));
    out[gid * 14u + 2u] = as_ulong(v2);
    out[gid * 14u + 3u] = as_ulong(v3);
    out[gid * 14u + 4u] = as_ulong(v4);
    out[gid * 14u + 5u] = as_ulong(v5);
}
