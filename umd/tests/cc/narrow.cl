// 8-, 16- and 64-bit integers: wrap-around, sign extension, signed compares
// and shifts, conversions to and from float, select.
kernel void narrow(global const char* c, global const short* s, global const long* l, global int* out, uint n)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    char a = c[i];
    short b = s[i];
    long w = l[i];
    uchar ua = (uchar)a;
    out[8 * i + 0] = (char)(a * 3 + 7);                 // wraps in 8 bits
    out[8 * i + 1] = a < 0 ? -1 : (a > 50 ? 2 : 1);      // signed compare of a char
    out[8 * i + 2] = (short)(b << 3) >> 2;               // 16-bit shifts, arithmetic
    out[8 * i + 3] = (int)(ua >> 1) + (int)(ushort)b;    // zero extension
    out[8 * i + 4] = (int)(w / 1000) ^ (int)(w >> 40);   // 64-bit signed division and shift
    out[8 * i + 5] = (int)((float)b * 0.5f);             // short -> float -> int
    out[8 * i + 6] = (int)(w % 977) + (w < 0);           // 64-bit remainder, compare
    out[8 * i + 7] = min((int)a, (int)b) + max(a, (char)-3);
}
