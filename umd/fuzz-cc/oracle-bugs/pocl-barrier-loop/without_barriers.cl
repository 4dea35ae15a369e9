kernel void fuzz(global const float* restrict in0, global const uint* restrict in1, global ulong* restrict out, global uint* restrict counters)
{
    const uint gid = (uint)get_global_id(0);
    const uint lid = (uint)get_local_id(0);
    local uint lx[32];
    ulong v0 = 4294967295UL;
    long v1 = (-9223372036854775807L - 1L);
    float v2 = 0.0f;
    v2 = (float)(lx[0] * 0u);
    v1 = as_long((ulong)(v1) ^ (ulong)(97565L));
    v2 = (v2 * 65536.0f);
    for (uint i1 = 0u; i1 < 6u; i1++) {
        v0 *= max(((ulong)(v1)), v0);
        for (uint i2 = 0u; i2 < 6u; i2++) {
            v0 += mul_hi(abs(((v1 | v1)) | 1), clz(v0));
        }
        v1 = (((v2 != (in0[(gid & 63u)] - in0[((gid + gid) & 63u)])) ? (long)v2 : mul_hi(v1, (-76894L))) | as_long((ulong)(as_long(abs(((-1L)) | 1))) << ((uint)(255u) & 63u)));
        if (v1 >= (-100000L)) {
            v0 = 63UL;
            if (!(((gid * 5u) & 7u) > 2u)) continue;
        } else {
            v2 = ((float)(clamp(as_long((ulong)(v0)), min(12022L, 1L), max(12022L, 1L))));
            if ((lid & 8u) == 0u) continue;
            v2 = ((float)((-639)));
            if (v1 <= (v1 & v1)) break;
        }
    }
    out[gid * 5u + 0u] = v0;
    out[gid * 5u + 1u] = as_ulong(v1);
    out[gid * 5u + 2u] = as_uint(v2);
}
