// vsvm-fuzz-cc program, seed 2238
#pragma OPENCL FP_CONTRACT OFF

static ulong canon_f32(float f) { return isnan(f) ? 0x7fc00000UL : (ulong)as_uint(f); }
static uint f2u32(float f) { return (f > -1.0f && f < 4294967296.0f) ? (uint)f : 0u; }
static int safe_div_i32(int a, int b) { return (b == 0 || (a == INT_MIN && b == -1)) ? a : a / b; }
static long safe_div_i64(long a, long b) { return (b == 0L || (a == LONG_MIN && b == -1L)) ? a : a / b; }
static uint safe_div_u32(uint a, uint b) { return b == 0u ? a : a / b; }
static long safe_rem_i64(long a, long b) { return (b == 0L || (a == LONG_MIN && b == -1L)) ? a : a % b; }
static uint safe_rem_u32(uint a, uint b) { return b == 0u ? a : a % b; }
static ulong safe_rem_u64(ulong a, ulong b) { return b == 0UL ? a : a % b; }

static float helper0(uint p0, long p1)
{
    float r = 60.5625f;
    if (!(p1 < 3L))
        r = (((float)((-2147483647 - 1))) - (r / r));
    return r;
}

kernel void fuzz(global const ulong* restrict in0, global const long* restrict in1, global const long* restrict in2, global ulong* restrict out, global uint* restrict counters)
{
    const uint gid = (uint)get_global_id(0);
    const uint lid = (uint)get_local_id(0);
    const uint grp = (uint)get_group_id(0);
    local uint lx[32];
    local ulong lwide[32];
    uint v0 = clamp(lid, min(2890094304u, 3u), max(2890094304u, 3u));
    uint v1 = lid;
    float v2 = ((((float)(gid)) >= ((float)(2))) ? 0.0f : ((float)((-20))));
    long v3 = ((lid < 14u) ? popcount(51856L) : (-51737L));
    ulong v4 = 3157857850048842185UL;
    long v5 = v3;
    lwide[lid] = v4;
    barrier(CLK_LOCAL_MEM_FENCE);
    v3 = as_long((ulong)(lwide[(gid & 31u)]));
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint r0 = 0u; r0 < 2u; r0++) {
        lwide[lid] = safe_rem_u64(((ulong)(in1[(v1 & 63u)])), (v4 | v4));
        barrier(CLK_LOCAL_MEM_FENCE);
        v3 = as_long((ulong)(lwide[(lid & 31u)]));
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    v2 = helper0(((uint)(((long)(((uint)(!(v4 == 15467168622382567397UL))))))), ((as_int((uint)(gid)) < (-735)) ? as_long((ulong)0 - (ulong)(in1[(lid & 63u)])) : in2[(v0 & 15u)]));
    v1 = v0;
    v4 &= safe_rem_u64(mul_hi((v4 << ((uint)(gid) & 63u)), (v4 >> ((uint)(lid) & 63u))), (abs((v3) | 1) ^ popcount(v4)));
    v3 = as_long((ulong)(v3) + (ulong)((popcount(as_long((ulong)(v3) + (ulong)(v3))) & v3)));
    if (((v2 <= 0.0f) && (((gid * 9u) & 7u) > 2u)) && (!(v4 > 105259962999924385UL))) {
        v0 = clamp((abs(((-343)) | 1) + (gid >> ((uint)(gid) & 31u))), min(4224807222u, 3580646248u), max(4224807222u, 3580646248u));
        out[gid * 10u + 6u] = ((ulong)(min((~v1), (max(gid, gid) >> ((uint)(v0) & 31u)))));
    } else {
        for (uint i1 = 0u; i1 < ((((as_int((uint)(gid)) <= 923) && (lid < 34u)) ? lid : v0) & 7u); i1++) {
            uint w2 = (mul_hi((31u + v1), mul_hi(320270963u, i1)) & 7u);
            while (w2 != 0u) {
                w2--;
                out[gid * 10u + 7u] = as_ulong(in1[((v1 + v0) & 63u)]);
                v0 = gid;
                v3 = as_long((ulong)(clz(((long)((-1))))) - (ulong)(max(v3, safe_rem_i64(v3, v3))));
            }
        }
        out[gid * 10u + 8u] = as_ulong(10124L);
    }
    out[gid * 10u + 9u] = abs((in2[((gid ^ lid) & 15u)]) | 1);
    v5 = mul_hi((in2[(safe_rem_u32(gid, lid) & 15u)] & (50560L >> ((uint)(v0) & 63u))), as_long(abs((v5) | 1)));
    out[gid * 10u + 0u] = ((ulong)(2u));
    if (lid < 11u) {
        out[gid * 10u + 1u] = as_ulong(v3);
        if (v2 == ((-70.953125f) / v2)) {
            if (!((gid < 5u) || (((gid * 9u) & 7u) > 5u))) {
                if (v3 <= ((long)(v0))) {
                    return;
                }
                if ((v4 != 7030633855461415915UL) && (((gid * 7u) & 7u) > 0u)) {
                    out[gid * 10u + 4u] = as_ulong(as_long((ulong)(as_long((ulong)(v4))) - (ulong)(min(v3, as_long((ulong)(v5) - (ulong)(v3))))));
                    return;
                }
            }
            if (as_int((uint)(gid)) >= safe_div_i32(728, 2)) {
                if (as_int((uint)(gid)) != as_int((uint)(((uint)(v0 != f2u32(v2)))))) {
                    out[gid * 10u + 1u] = canon_f32(((((gid & 4u) == 0u) ? (v2 / 0.0f) : ((float)(2))) / ((-v2) - (v2 * (-2.5f)))));
                    return;
                }
                atomic_or(&counters[0], (((uint)(gid >= clz(v0))) >> ((uint)(f2u32(v2)) & 31u)));
                v1 = (gid ^ safe_rem_u32(safe_div_u32(v0, v1), 265421908u));
                v3 = as_long((ulong)(v3) + (ulong)((-99579L)));
            } else {
                if (v4 != (in0[(lid & 31u)] & v4)) {
                    return;
                }
            }
            if (as_int((uint)(gid)) == (-957)) {
                out[gid * 10u + 9u] = canon_f32(v2);
            }
            v0 = f2u32((-(v2 + v2)));
            v4 ^= mul_hi(v4, (0UL ^ (~v4)));
        }
        for (uint i3 = 0u; i3 < (f2u32(v2) & 7u); i3++) {
            v5 = as_long((ulong)(mul_hi(clz(v5), as_long(abs(((-27197L)) | 1)))) - (ulong)(as_long((ulong)(as_long((ulong)(v5) - (ulong)(v3))) * (ulong)(v3))));
            v2 = (-113.015625f);
            for (uint i4 = 0u; i4 < 1u; i4++) {
                atomic_or(&counters[0], 31u);
                v4 = 16325941276897193116UL;
            }
        }
    } else {
        v3 = in1[(gid & 63u)];
    }
    v4 &= 5UL;
    out[gid * 10u + 0u] = ((ulong)(v0));
    out[gid * 10u + 1u] = ((ulong)(v1));
    out[gid * 10u + 2u] = canon_f32(v2);
    out[gid * 10u + 3u] = as_ulong(v3);
    out[gid * 10u + 4u] = v4;
    out[gid * 10u + 5u] = as_ulong(v5);
}
