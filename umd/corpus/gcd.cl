// Greatest common divisor by Euclid's algorithm: a loop of data-dependent length.
__kernel void gcd(__global const uint* a, __global const uint* b, __global uint* out, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint x = a[i], y = b[i];
    while (y != 0) {
        uint t = x % y;
        x = y;
        y = t;
    }
    out[i] = x;
}
