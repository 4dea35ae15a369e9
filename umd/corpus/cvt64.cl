// Conversions between float and 64-bit integers (in range: out-of-range
// float to integer conversions are undefined in OpenCL C and GLSL).
__kernel void cvt64(__global const float* f, __global const long* v, __global long* fl, __global ulong* fu,
                    __global float* lf, __global float* uf, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    fl[i] = (long)f[i];
    fu[i] = (ulong)fabs(f[i]);
    lf[i] = (float)v[i];
    uf[i] = (float)((ulong)v[i]);
}
