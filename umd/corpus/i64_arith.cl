// 64-bit integer arithmetic: multiply, arithmetic and logical shifts, xor, compare.
__kernel void i64_arith(__global const long* a, __global const long* b, __global long* out, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    long x = a[i], y = b[i];
    long m = x * y + (x >> 7);
    ulong u = (ulong)y >> 11;
    out[i] = (m ^ (long)(u << 13)) + (x < y ? 1 : -1);
}
