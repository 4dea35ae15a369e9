// Elementwise float math, one result per builtin so that a difference
// points at the builtin: sqrt, floor/ceil, min*max, division, conversion.
__kernel void elementwise(__global const float* a, __global const float* b, __global float* root,
                          __global float* rounded, __global float* minmax, __global float* quotient,
                          __global int* truncated, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    float x = a[i], y = b[i];
    root[i] = sqrt(fabs(x));
    rounded[i] = floor(x) + ceil(y);
    minmax[i] = fmin(x, y) * fmax(x, y);
    quotient[i] = x / y;
    truncated[i] = (int)x;
}
