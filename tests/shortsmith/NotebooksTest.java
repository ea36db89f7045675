package shortsmith;

import shortsmith.testing.TestSupport;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The notebooks run headless, as a user would open them, so they never rot. */
class NotebooksTest {

    static TestSupport.Run notebook(String name) throws Exception {
        var run = TestSupport.jbang(TestSupport.repo(), Map.of(), null, "notebooks/" + name);
        assertEquals(0, run.exitCode(), run.toString());
        // JShell goes on after a failing snippet and still exits 0: its messages are what show rot.
        for (String sign : new String[]{"Error:", "Exception", "cannot find symbol", "|  "}) {
            assertFalse(run.stdout().contains(sign) || run.stderr().contains(sign), "'" + sign + "' in:\n" + run);
        }
        return run;
    }

    @Test
    void encoderProfilesComparesTwoRealEncodes() throws Exception {
        var run = notebook("encoder-profiles.jsh");
        assertTrue(run.stdout().contains("x264: -c:v libx264"), run.stdout());
        assertTrue(run.stdout().contains("auto picks: Decision[encoder="), run.stdout());
        assertTrue(run.stdout().matches("(?s).*x264: \\d+ kB, lossless: \\d+ kB.*"), run.stdout());
        var ssim = java.util.regex.Pattern.compile("All:([\\d.]+)").matcher(run.stdout());
        assertTrue(ssim.find(), run.stdout());
        assertTrue(Double.parseDouble(ssim.group(1)) > 0.97, "SSIM " + ssim.group(1));
    }

    @Test
    void captionsAndMotionShowsTimingsAndSavesAFrame() throws Exception {
        var run = notebook("captions-and-motion.jsh");
        assertTrue(run.stdout().contains("Dialogue: "), run.stdout());
        assertTrue(run.stdout().contains("cometa?"), run.stdout());
        assertTrue(run.stdout().contains("frame 360x640 saved as"), run.stdout());
    }
}
