// x > 0 ? x : x / 8, and the count of positives per element pair (selects, compares).
__kernel void leaky_relu(__global const float* x, __global float* y, __global uint* pos, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    float v = x[i];
    y[i] = v > 0.0f ? v : 0.125f * v;
    pos[i] = (v > 0.0f) + (v >= 1.0f) + (v != v);
}
