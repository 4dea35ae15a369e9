// 64-bit bit counting: popcount and leading zeros of words and of their products.
__kernel void bits64(__global const ulong* a, __global uint* pop, __global uint* lz, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    ulong x = a[i] >> (a[i] & 63);
    pop[i] = (uint)popcount(x);
    lz[i] = (uint)clz(x * 3);
}
