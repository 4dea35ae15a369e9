// Saturating conversions (OpenCL C only: GLSL has none): float to int and
// to uchar with rounding to nearest even, int to short.
__kernel void convert_sat(__global const float* f, __global const int* v, __global int* fi, __global uchar* fu8,
                          __global short* s16, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    fi[i] = convert_int_sat(f[i]);
    fu8[i] = convert_uchar_sat_rte(f[i]);
    s16[i] = convert_short_sat(v[i]);
}
