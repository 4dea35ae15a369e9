// vsvm-fuzz-cc program, seed 1722
#pragma OPENCL FP_CONTRACT OFF

static ulong canon_f32(float f) { return isnan(f) ? 0x7fc00000UL : (ulong)as_uint(f); }
static int safe_div_i32(int a, int b) { return (b == 0 || (a == INT_MIN && b == -1)) ? a : a / b; }

kernel void fuzz(global const int* restrict in0, global const long* restrict in1, global const int* restrict in2, global ulong* restrict out, global uint* restrict counters)
{
    const uint gid = (uint)get_global_id(0);
    const uint lid = (uint)get_local_id(0);
    const uint grp = (uint)get_group_id(0);
    local uint lcount[1];
    float v0 = fma(1.17549435e-38f, (0.5f * (-56.875f)), (-1.0f));
    long v1 = max(min((-784L), in1[(lid & 15u)]), as_long((ulong)(10731261938876473008UL)));
    uint v2 = lid;
    if (lid == 0u) lcount[0] = 2147483648u;
    barrier(CLK_LOCAL_MEM_FENCE);
    atomic_min(&lcount[0], lid);
    barrier(CLK_LOCAL_MEM_FENCE);
    v0 = ((float)(lcount[0]));
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint i0 = 0u; i0 < 3u; i0++) {
        uint w1 = (((uint)((-313))) & 7u);
        while (w1 != 0u) {
            w1--;
            if (!((lid & 1u) == 0u)) {
                return;
            }
            for (uint i2 = 0u; i2 < 5u; i2++) {
                v2 = 4294967295u;
                v1 = in1[(lid & 15u)];
                out[gid * 9u + 3u] = canon_f32((v0 * ((!(((ulong)(gid)) < 12208758115493710563UL)) ? ((float)(100)) : (v0 - v0))));
                if (!(v1 >= 0L)) continue;
                if ((((gid * 7u) & 7u) > 4u) || (((gid * 6u) & 7u) > 3u)) continue;
            }
            v0 = ((float)((as_int((uint)(((uint)(!(((ulong)(gid)) < 9937017278989597680UL))))) >> ((uint)(((uint)(!(gid < 11u)))) & 31u))));
            if (((gid * 7u) & 7u) > 2u) break;
        }
    }
    atomic_max(&counters[0], gid);
    for (uint i3 = 0u; i3 < 6u; i3++) {
        v0 = (v0 * (v0 - (v0 * fma(v0, v0, v0))));
        if (!(gid < 39u)) continue;
    }
    out[gid * 9u + 0u] = canon_f32(v0);
    out[gid * 9u + 1u] = as_ulong(v1);
    out[gid * 9u + 2u] = ((ulong)(v2));
}
