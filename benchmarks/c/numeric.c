/* f64 numerics: a Mandelbrot escape count over an N x N grid and a
   Newton square root series, using only +, -, *, / and sqrt (correctly
   rounded everywhere, so a plain-Python twin gets the same bits).
   Prints the escape total and the series sum (%.17g). Usage: numeric N */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 16;
    long total = 0;
    for (int py = 0; py < n; py++) {
        double ci = -1.25 + 2.5 * py / n;
        for (int px = 0; px < n; px++) {
            double cr = -2.0 + 2.5 * px / n, zr = 0.0, zi = 0.0;
            int k = 0;
            while (k < 50 && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                k++;
            }
            total += k;
        }
    }
    double s = 0.0;
    for (int i = 1; i <= n * n; i++) {
        double x = (double)i, g = x / 2.0 + 1.0;
        for (int j = 0; j < 4; j++) g = 0.5 * (g + x / g);
        s += g - sqrt(x) + 1.0 / x;
    }
    printf("%ld %.17g\n", total, s);
    return 0;
}
