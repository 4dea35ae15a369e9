// vsvm-fuzz-cc program, seed 1229
#pragma OPENCL FP_CONTRACT OFF

static ulong canon_f32(float f) { return isnan(f) ? 0x7fc00000UL : (ulong)as_uint(f); }
static long f2i64(float f) { return (f >= -9223372036854775808.0f && f < 9223372036854775808.0f) ? (long)f : 0L; }
static uint f2u32(float f) { return (f > -1.0f && f < 4294967296.0f) ? (uint)f : 0u; }
static uint safe_div_u32(uint a, uint b) { return b == 0u ? a : a / b; }
static int safe_rem_i32(int a, int b) { return (b == 0 || (a == INT_MIN && b == -1)) ? a : a % b; }
static long safe_rem_i64(long a, long b) { return (b == 0L || (a == LONG_MIN && b == -1L)) ? a : a % b; }
static uint safe_rem_u32(uint a, uint b) { return b == 0u ? a : a % b; }
static ulong safe_rem_u64(ulong a, ulong b) { return b == 0UL ? a : a % b; }

static long helper0(float p0)
{
    long r = 82330L;
    if (!(f2u32(p0) > 2389269063u))
        r = ((f2u32(p0) < (0u - 3678218072u)) ? r : as_long((ulong)(r) + (ulong)(r)));
    return r;
}

static int helper1(float p0, int p1)
{
    int r = p1;
    if (!(p1 != 1))
        r = max(p1, clamp(p1, min(2147483647, 100), max(2147483647, 100)));
    return r;
}

kernel void fuzz(global const long* restrict in0, global ulong* restrict out, global uint* restrict counters)
{
    const uint gid = (uint)get_global_id(0);
    const uint lid = (uint)get_local_id(0);
    const uint grp = (uint)get_group_id(0);
    long v0 = min(((long)(grp)), as_long((ulong)0 - (ulong)(52064L)));
    uint v1 = (gid + 2564140675u);
    out[gid * 5u + 2u] = as_ulong(min(as_long((ulong)((2892621606395553163UL << ((uint)(grp) & 63u)))), ((long)(as_int((uint)0 - (uint)(5))))));
    v1 |= ((uint)(safe_rem_i64(helper0((-84.921875f)), safe_rem_i64(v0, in0[((2208384445u >> ((uint)(gid) & 31u)) & 15u)]))));
    for (uint i0 = 0u; i0 < 1u; i0++) {
        atomic_and(&counters[0], ((!(as_int((uint)(gid)) != (-299))) ? 1u : popcount(gid)));
        out[gid * 5u + 3u] = canon_f32(1.0f);
    }
    atomic_or(&counters[2], (((((ulong)(gid)) == 2496011589729896818UL) ? grp : v1) << ((uint)(safe_div_u32(gid, v1)) & 31u)));
    v1 = safe_div_u32((clamp(lid, min(2526011789u, 1857674110u), max(2526011789u, 1857674110u)) & v1), ((((ulong)(gid)) > mul_hi(18446744073709551615UL, 5UL)) ? gid : (v1 - 2608744024u)));
    v1 &= ((uint)(v0));
    out[gid * 5u + 4u] = canon_f32(((((gid & 1u) == 0u) || ((lid & 1u) == 0u)) ? ((float)(((as_int((uint)(gid)) <= as_int(abs((2) | 1))) ? 1 : 0))) : 100.125f));
    if ((lid & 1u) == 0u) {
        v1 += (safe_div_u32(gid, safe_rem_u32(gid, v1)) << ((uint)((lid - min(0u, 3u))) & 31u));
        v0 = 2147483647L;
        if ((gid < 24u) && (v1 == min(255u, gid))) {
            v1 = ((v0 > (in0[(lid & 15u)] & v0)) ? safe_div_u32(safe_div_u32(232778726u, gid), mul_hi(gid, 4294967295u)) : clz(f2u32(0.00100000005f)));
            for (uint i1 = 0u; i1 < ((v1 >> ((uint)(v1) & 31u)) & 7u); i1++) {
                out[gid * 5u + 1u] = safe_rem_u64((~((((float)(gid)) < (-143.265625f)) ? 252640751108034839UL : 6192449656823679355UL)), (9223372036854775807UL << ((uint)((v1 * i1)) & 63u)));
                v0 = ((long)(((as_int((uint)(gid)) == safe_rem_i32(242, 1)) ? ((-2147483647 - 1) & 100) : 1)));
                v1 = 7u;
            }
        } else {
            if ((!((lid & 1u) == 0u)) || (as_int((uint)(gid)) > popcount((-2)))) {
                v0 = as_long((ulong)(v0) * (ulong)(as_long((ulong)0 - (ulong)(clamp(in0[((3182109579u + gid) & 15u)], min((-59553L), (-65969L)), max((-59553L), (-65969L)))))));
                v0 = as_long((ulong)(v0) + (ulong)(helper0(((1e+10f + (-24.546875f)) / (-106.515625f)))));
                atomic_min(&counters[1], (7u ^ (v1 + 105262363u)));
            } else {
                v0 = as_long((ulong)(v0) + (ulong)(f2i64(1e+10f)));
                v0 = 445L;
                if (lid < 29u) {
                    out[gid * 5u + 1u] = ((ulong)as_uint((620 & helper1(((float)((-314))), as_int((uint)(v0))))));
                    return;
                }
            }
            v0 = clamp(as_long(abs((v0) | 1)), min((-74737L), (-9223372036854775807L - 1L)), max((-74737L), (-9223372036854775807L - 1L)));
            v1 = (~min(v1, ((uint)(407))));
        }
        v1 *= ((uint)(clz(clamp(100, min(2, (-79)), max(2, (-79))))));
        if (((float)(gid)) <= ((float)(100))) {
            out[gid * 5u + 4u] = (mul_hi(18446744073709551615UL, abs((v0) | 1)) ^ 9223372036854775807UL);
            return;
        }
    } else {
        atomic_min(&counters[1], ((uint)(in0[((v1 | v1) & 15u)])));
        v1 = (f2u32(((float)(7))) << ((uint)(safe_div_u32((~lid), gid)) & 31u));
        if (((float)(gid)) < (35.9375f + 0.100000001f)) {
            out[gid * 5u + 3u] = canon_f32((((0.0f + 0.100000001f) + 0.5f) / ((!((gid & 4u) == 0u)) ? (-128.78125f) : 65536.0f)));
        } else {
            if (as_int((uint)(gid)) > as_int((uint)(342) - (uint)(2147483647))) {
                v1 &= clz(clz((gid >> ((uint)(lid) & 31u))));
                v1 = (((uint)(!(((float)(gid)) != 65536.0f))) << ((uint)(abs((32) | 1)) & 31u));
                if (((lid & 1u) == 0u) && (((gid * 2u) & 7u) > 6u)) {
                    out[gid * 5u + 2u] = 63UL;
                    return;
                }
                out[gid * 5u + 4u] = ((ulong)(((uint)(7))));
            }
            out[gid * 5u + 2u] = canon_f32(67.984375f);
            uint w2 = (safe_rem_u32(4192836989u, (lid >> ((uint)(1877795051u) & 31u))) & 7u);
            while (w2 != 0u) {
                w2--;
                atomic_and(&counters[0], (((uint)(0)) >> ((uint)(gid) & 31u)));
                if (!(((ulong)(gid)) >= 9223372036854775807UL)) continue;
                if (v0 != (v0 >> ((uint)(gid) & 63u))) continue;
                v1 = w2;
                v1 += ((uint)(((ulong)(v0))));
            }
        }
        v0 = as_long((ulong)(v0) * (ulong)(as_long((ulong)(v0) << ((uint)(min((1280460604u + 2u), mul_hi(1871562804u, grp))) & 63u))));
        if (gid == (gid * gid)) {
            v0 = as_long((ulong)(v0) + (ulong)(min((((long)(16u)) | (v0 | v0)), mul_hi(as_long((ulong)(v0) << ((uint)(lid) & 63u)), (v0 & in0[((v1 | 1u) & 15u)])))));
            v1 = (~(~v1));
            if (v0 != in0[(mul_hi(4051545560u, 0u) & 15u)]) {
                v0 = as_long((ulong)(v0) + (ulong)(as_long((ulong)0 - (ulong)(as_long((ulong)(mul_hi(4294967296UL, 8931134573343836298UL)))))));
                if (((ulong)(gid)) == 0UL) {
                    return;
                }
                out[gid * 5u + 2u] = ((ulong)as_uint(mul_hi((-2147483647 - 1), max(((-1) >> ((uint)(lid) & 31u)), 305))));
                if (as_int((uint)(gid)) == 0) {
                    out[gid * 5u + 1u] = canon_f32(sqrt((((float)(7412378827096270089UL)) / fma((-114.640625f), (-151.296875f), (-71.5f)))));
                    return;
                }
                v1 += min(safe_rem_u32((3756587507u >> ((uint)(v1) & 31u)), mul_hi(16u, gid)), (abs((809) | 1) - (lid * 3326143769u)));
            }
            v1 = 2147483648u;
            out[gid * 5u + 3u] = popcount(1687584305601264409UL);
        }
    }
    if (v0 >= in0[(v1 & 15u)]) {
        out[gid * 5u + 4u] = canon_f32(65536.0f);
        return;
    }
    out[gid * 5u + 0u] = as_ulong(v0);
    out[gid * 5u + 1u] = ((ulong)(v1));
}
