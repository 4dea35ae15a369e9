// Divergent if/else (nested), a uniform branch on an argument, select, an
// early return, signed division and remainder.
kernel void branchy(global const int* in, global int* out, uint n, int mode)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    int v = in[i];
    int r;
    if (v < 0) {
        if (v < -100)
            r = v / 7;
        else
            r = -v;
    } else if ((v & 1) == 0) {
        r = v * 3 + 1;
    } else {
        r = v % 5;
    }
    if (mode == 1)
        r = r + 1000;
    else
        r = r - 1000;
    out[i] = r > 0 ? r : r * 2;
}
