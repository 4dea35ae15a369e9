// Signed and unsigned division and remainder (C semantics: truncation,
// the remainder has the dividend's sign); a zero divisor becomes 7.
__kernel void int_divmod(__global const int* a, __global const int* b, __global int* q, __global int* r,
                         __global uint* uq, __global uint* ur, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    int x = a[i], y = b[i] == 0 ? 7 : b[i];
    q[i] = x / y;
    r[i] = x % y;
    uq[i] = (uint)x / (uint)y;
    ur[i] = (uint)x % (uint)y;
}
