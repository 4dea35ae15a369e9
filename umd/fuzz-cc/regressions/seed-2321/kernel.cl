// vsvm-fuzz-cc program, seed 2321
#pragma OPENCL FP_CONTRACT OFF

static ulong canon_f32(float f) { return isnan(f) ? 0x7fc00000UL : (ulong)as_uint(f); }
static long safe_div_i64(long a, long b) { return (b == 0L || (a == LONG_MIN && b == -1L)) ? a : a / b; }
static uint safe_div_u32(uint a, uint b) { return b == 0u ? a : a / b; }
static uint safe_rem_u32(uint a, uint b) { return b == 0u ? a : a % b; }

kernel void fuzz(global const int* restrict in0, global const int* restrict in1, global const float* restrict in2, global ulong* restrict out, global uint* restrict counters)
{
    const uint gid = (uint)get_global_id(0);
    const uint lid = (uint)get_local_id(0);
    const uint grp = (uint)get_group_id(0);
    local uint lx[16];
    local ulong lwide[16];
    float v0 = ((-0.5f) + in2[((lid * lid) & 31u)]);
    int v1 = 979;
    ulong v2 = ((18446744073709551615UL << ((uint)(2218661100u) & 63u)) ^ 5348990268039550386UL);
    int v3 = as_int((uint)(((uint)(v2 == abs((0L) | 1)))));
    float v4 = ((float)((-9223372036854775807L - 1L)));
    lwide[lid] = (popcount(v2) | 4294967296UL);
    barrier(CLK_LOCAL_MEM_FENCE);
    v1 = as_int((uint)(lwide[(gid & 15u)]));
    barrier(CLK_LOCAL_MEM_FENCE);
    out[gid * 7u + 5u] = ((ulong)(((uint)(safe_div_i64(max(9223372036854775807L, 1L), ((long)(v1)))))));
    if (((gid * 7u) & 7u) > 3u) {
        out[gid * 7u + 6u] = 1UL;
        return;
    }
    v1 = as_int((uint)(v1) * (uint)(as_int((uint)(in1[(grp & 15u)]) << ((uint)(((((lid & 1u) == 0u) ? 31u : gid) & ((uint)((((lid * 6u) & 7u) > 5u) || (((gid * 1u) & 7u) > 1u))))) & 31u))));
    atomic_min(&counters[1], safe_div_u32(((uint)(v2)), (~lid)));
    v3 = as_int((uint)((clamp(656, min(407, (-809)), max(407, (-809))) | as_int((uint)(in1[(lid & 15u)]) * (uint)(v3)))) * (uint)(v1));
    uint w0 = (mul_hi((gid ^ gid), ((v2 <= (v2 + v2)) ? gid : grp)) & 7u);
    while (w0 != 0u) {
        w0--;
        if ((gid & 1u) == 0u) {
            out[gid * 7u + 5u] = canon_f32((v0 / fma((v4 * v4), (v0 + 0.100000001f), (v4 / in2[(lid & 31u)]))));
            return;
        }
        if ((((long)(gid)) >= 77372L) && ((lid & 8u) == 0u)) continue;
        v2 = 11552258335381413606UL;
    }
    if (v1 != v3) {
        out[gid * 7u + 2u] = as_ulong((as_long(abs(((1L & (-100000L))) | 1)) >> ((uint)(lid) & 63u)));
        return;
    }
    out[gid * 7u + 1u] = ((ulong)((lid << ((uint)(lid) & 31u))));
    v3 = as_int((uint)(v3) - (uint)(as_int((uint)((min(v2, v2) << ((uint)(safe_rem_u32(gid, lid)) & 63u))))));
    out[gid * 7u + 0u] = canon_f32(v0);
    out[gid * 7u + 1u] = ((ulong)as_uint(v1));
    out[gid * 7u + 2u] = v2;
    out[gid * 7u + 3u] = ((ulong)as_uint(v3));
    out[gid * 7u + 4u] = canon_f32(v4);
}
