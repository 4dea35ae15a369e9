// Bit counting and high multiplication: popcount, clz, mul_hi, rotate.
__kernel void bit_ops(__global const uint* a, __global const uint* b, __global uint* pop, __global uint* lz,
                      __global uint* hi, __global uint* rot, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint x = a[i], y = b[i];
    pop[i] = popcount(x);
    lz[i] = clz(x >> (y & 31));
    hi[i] = mul_hi(x, y);
    rot[i] = rotate(x, y & 31);
}
