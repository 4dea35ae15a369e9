// c = a + b on 32-bit integers, wrapping.
__kernel void vadd_i32(__global const int* a, __global const int* b, __global int* c, uint n)
{
    uint i = get_global_id(0);
    if (i < n)
        c[i] = (int)((uint)a[i] + (uint)b[i]);
}
