// Integer min/max/clamp/abs and a select, signed and unsigned.
__kernel void clamp_abs(__global const int* a, __global const int* b, __global int* clamped, __global uint* absdiff,
                        __global int* picked, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    int x = a[i], y = b[i];
    clamped[i] = clamp(x, -1000, 1000) + min(x, y) / 2 - max(x, y) / 4;
    absdiff[i] = abs(x) + (uint)abs(y);
    picked[i] = x > y ? x - y : (x & y);
}
