package shortsmith.media;

/**
 * Mel-frequency cepstral coefficients of a narration, one frame every 10 ms (frame k centred at
 * k × 10 ms): 25 ms Hamming windows, 26 mel bands from 100 Hz to 7.6 kHz (or Nyquist), cepstra
 * c1–c12, the log energy c0, and the deltas of all thirteen, each normalised to zero mean and unit variance over the utterance so
 * two voices' features compare. The features the aligner matches a narration against its reference
 * with; independent of the sample rate.
 */
public final class Mfcc {
    private Mfcc() {}

    public static final double HOP_SECONDS = 0.010;
    static final int BANDS = 26, CEPSTRA = 12, DIMENSIONS = 2 * CEPSTRA + 2;

    /** Frames {@code from} (inclusive) to {@code to} (exclusive), each {@link #DIMENSIONS} long. */
    public static float[][] of(float[] mono, int sampleRate, int from, int to) {
        int window = (int) Math.round(0.025 * sampleRate);
        int fft = Integer.highestOneBit(window - 1) << 1;
        double[] hamming = new double[window];
        for (int i = 0; i < window; i++) hamming[i] = 0.54 - 0.46 * Math.cos(2 * Math.PI * i / (window - 1));
        double[][] filters = melFilters(fft, sampleRate);
        int frames = Math.max(0, to - from);
        float[][] cepstra = new float[frames][CEPSTRA + 1];
        double[] re = new double[fft], im = new double[fft], logMel = new double[BANDS];
        for (int f = 0; f < frames; f++) {
            int centre = (int) Math.round((from + f) * HOP_SECONDS * sampleRate), start = centre - window / 2;
            java.util.Arrays.fill(re, 0);
            java.util.Arrays.fill(im, 0);
            for (int i = 0; i < window; i++) {
                int at = start + i;
                if (at < 1 || at >= mono.length) continue;
                re[i] = (mono[at] - 0.97 * mono[at - 1]) * hamming[i];   // pre-emphasis
            }
            fft(re, im);
            for (int b = 0; b < BANDS; b++) {
                double energy = 0;
                for (int k = 0; k <= fft / 2; k++) {
                    if (filters[b][k] != 0) energy += filters[b][k] * (re[k] * re[k] + im[k] * im[k]);
                }
                logMel[b] = Math.log(energy + 1e-10);
            }
            for (int c = 0; c <= CEPSTRA; c++) {
                double sum = 0;
                for (int b = 0; b < BANDS; b++) sum += logMel[b] * Math.cos(Math.PI * c * (b + 0.5) / BANDS);
                cepstra[f][c == 0 ? CEPSTRA : c - 1] = (float) sum;
            }
        }
        float[][] features = new float[frames][DIMENSIONS];
        for (int f = 0; f < frames; f++) {
            System.arraycopy(cepstra[f], 0, features[f], 0, CEPSTRA);
            features[f][2 * CEPSTRA] = cepstra[f][CEPSTRA];
            // Deltas over ±2 frames: how the spectrum moves, which locates boundaries between sounds.
            for (int c = 0; c <= CEPSTRA; c++) {
                double num = 0;
                for (int d = 1; d <= 2; d++) {
                    num += d * (cepstra[Math.min(frames - 1, f + d)][c] - cepstra[Math.max(0, f - d)][c]);
                }
                features[f][c == CEPSTRA ? 2 * CEPSTRA + 1 : CEPSTRA + c] = (float) (num / 10);
            }
        }
        normalise(features);
        return features;
    }

    private static void normalise(float[][] features) {
        if (features.length == 0) return;
        for (int d = 0; d < DIMENSIONS; d++) {
            double sum = 0, squares = 0;
            for (float[] f : features) {
                sum += f[d];
                squares += f[d] * f[d];
            }
            double mean = sum / features.length, sd = Math.sqrt(Math.max(1e-12, squares / features.length - mean * mean));
            for (float[] f : features) f[d] = (float) ((f[d] - mean) / sd);
        }
    }

    private static double mel(double hz) { return 2595 * Math.log10(1 + hz / 700); }

    private static double hz(double mel) { return 700 * (Math.pow(10, mel / 2595) - 1); }

    /** Triangular filters on the FFT's bins, evenly spaced in mels. */
    private static double[][] melFilters(int fft, int sampleRate) {
        double low = mel(100), high = mel(Math.min(7600, sampleRate / 2.0));
        double[] edges = new double[BANDS + 2];
        for (int i = 0; i < edges.length; i++) edges[i] = hz(low + (high - low) * i / (BANDS + 1)) * fft / sampleRate;
        double[][] filters = new double[BANDS][fft / 2 + 1];
        for (int b = 0; b < BANDS; b++) {
            for (int k = 0; k <= fft / 2; k++) {
                double rise = (k - edges[b]) / (edges[b + 1] - edges[b]), fall = (edges[b + 2] - k) / (edges[b + 2] - edges[b + 1]);
                filters[b][k] = Math.max(0, Math.min(rise, fall));
            }
        }
        return filters;
    }

    /** In-place radix-2 FFT; {@code re.length} is a power of two. */
    static void fft(double[] re, double[] im) {
        int n = re.length;
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) j ^= bit;
            j ^= bit;
            if (i < j) {
                double t = re[i]; re[i] = re[j]; re[j] = t;
                t = im[i]; im[i] = im[j]; im[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double angle = -2 * Math.PI / len, wr = Math.cos(angle), wi = Math.sin(angle);
            for (int i = 0; i < n; i += len) {
                double cr = 1, ci = 0;
                for (int k = 0; k < len / 2; k++) {
                    int a = i + k, b = a + len / 2;
                    double xr = re[b] * cr - im[b] * ci, xi = re[b] * ci + im[b] * cr;
                    re[b] = re[a] - xr; im[b] = im[a] - xi;
                    re[a] += xr; im[a] += xi;
                    double nr = cr * wr - ci * wi;
                    ci = cr * wi + ci * wr;
                    cr = nr;
                }
            }
        }
    }
}
