// fma(a, b, c), one rounding (OpenCL C requires it correctly rounded; GLSL's
// fma may round twice, so there is no GLSL version).
__kernel void fma_explicit(__global const float* a, __global const float* b, __global const float* c,
                           __global float* fused, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    fused[i] = fma(a[i], b[i], c[i]);
}
