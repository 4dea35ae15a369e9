// Mandelbrot iteration counts in 16.16 fixed point with 64-bit products, so
// that every implementation computes the same bits.
__kernel void mandelbrot(__global uint* iters, uint w, uint h, uint max_iter)
{
    uint px = get_global_id(0), py = get_global_id(1);
    long cx = -2 * 65536 + (long)px * 3 * 65536 / w;
    long cy = -98304 + (long)py * 3 * 65536 / h;
    long x = 0, y = 0;
    uint k = 0;
    while (k < max_iter) {
        long xx = (x * x) >> 16, yy = (y * y) >> 16;
        if (xx + yy > 4 * 65536)
            break;
        long xy = (x * y) >> 15;
        x = xx - yy + cx;
        y = xy + cy;
        k++;
    }
    iters[py * w + px] = k;
}
