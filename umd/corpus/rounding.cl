// floor, ceil, trunc and rint (to nearest even) of values around half-integers.
__kernel void rounding(__global const float* x, __global float* fl, __global float* ce, __global float* tr,
                       __global float* ri, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    float v = x[i];
    fl[i] = floor(v);
    ce[i] = ceil(v);
    tr[i] = trunc(v);
    ri[i] = rint(v);
}
