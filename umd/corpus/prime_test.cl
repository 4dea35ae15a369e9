// Trial division with an early exit: 1 for a prime, else the smallest factor.
__kernel void prime_test(__global const uint* in, __global uint* out, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint x = in[i];
    if (x < 2) {
        out[i] = 0;
        return;
    }
    uint result = 1;
    for (uint d = 2; d * d <= x; d++) {
        if (x % d == 0) {
            result = d;
            break;
        }
    }
    out[i] = result;
}
