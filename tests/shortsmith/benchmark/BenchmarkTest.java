package shortsmith.benchmark;

import org.junit.jupiter.api.Test;
import shortsmith.core.Json;
import shortsmith.video.NvencProbe;

import static org.junit.jupiter.api.Assertions.*;

/** The benchmark's results share one shape with detect-nvenc's. */
class BenchmarkTest {

    @Test
    void anUnavailableRowCarriesTheReasonAndTheMessageApartAsDetectNvencDoes() throws Exception {
        var status = new NvencProbe.EncoderStatus(true, false, NvencProbe.Reason.DRIVER_LIBRARY_MISSING, "Cannot load libcuda.so.1");
        var row = Json.MAPPER.readTree(Json.write(Benchmark.Row.unavailable("nvenc-p4", status)));
        var probe = Json.MAPPER.readTree(Json.write(status));
        assertEquals("driver-library-missing", row.get("reason").asText());
        assertEquals("Cannot load libcuda.so.1", row.get("message").asText());
        assertEquals(probe.get("reason"), row.get("reason"));
        assertEquals(probe.get("message"), row.get("message"));
        assertFalse(row.get("available").asBoolean());
        assertFalse(row.has("seconds"), "no figures for a row that did not run: " + row);
    }
}
