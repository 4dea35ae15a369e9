// Per bucket (value mod 16) minimum and maximum of signed values, with global atomics.
__kernel void atomic_minmax(__global const int* data, __global int* mins, __global int* maxs, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    int v = data[i];
    uint bucket = (uint)v & 15;
    atomic_min(&mins[bucket], v);
    atomic_max(&maxs[bucket], v);
}
