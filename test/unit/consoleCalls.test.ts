import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chartSeries, epochSeconds, hourlyRows, peak, percent, type CallStats } from "../../src/console/chart/stats.js";
import { cursorOf, dateCreated, listQuery, seconds, v1Time } from "../../src/console/pages/calls/query.js";

const none = { trunk: "", status: "", direction: "", from: "", to: "" };

describe("console calls page: v1 list parameters", () => {
  it("a datetime-local range becomes DateCreated, the end inclusive of its minute", () => {
    assert.equal(v1Time("2026-11-30T09:05"), "2026-11-30 09:05:00");
    assert.equal(v1Time("2026-11-30T09:05", true), "2026-11-30 09:05:59");
    assert.equal(v1Time("2026-11-30T09:05:07"), "2026-11-30 09:05:07");
    assert.equal(dateCreated({ from: "2026-11-01T00:00", to: "2026-11-30T23:59" }), "gte:2026-11-01 00:00:00;lte:2026-11-30 23:59:59");
    assert.equal(dateCreated({ from: "", to: "2026-11-30T23:59" }), "lte:2026-11-30 23:59:59");
    assert.equal(dateCreated({ from: "", to: "" }), undefined);
  });

  it("filters map to v1 names; a cursor brings its page URI's window instead of the form's range", () => {
    assert.deepEqual(listQuery({ ...none, trunk: "trmum1", status: "busy", direction: "inbound", from: "2026-11-01T00:00" }, {}), {
      PageSize: "25", TrunkSid: "trmum1", Status: "busy", Direction: "inbound", DateCreated: "gte:2026-11-01 00:00:00",
    });
    assert.deepEqual(listQuery(none, { after: "c1", window: "gte:2026-10-30 09:00:00;lte:2026-11-30 09:00:00" }), {
      PageSize: "25", DateCreated: "gte:2026-10-30 09:00:00;lte:2026-11-30 09:00:00", After: "c1",
    });
    assert.deepEqual(listQuery(none, { before: "c2" }), { PageSize: "25", Before: "c2" });
  });

  it("cursorOf reads After or Before and DateCreated from a page URI; none from null", () => {
    const uri = "/v1/Accounts/a/Calls.json?DateCreated=gte%3A2026-10-30+09%3A00%3A00%3Blte%3A2026-11-30+09%3A00%3A00&PageSize=25&After=abc.def";
    assert.deepEqual(cursorOf(uri), { after: "abc.def", window: "gte:2026-10-30 09:00:00;lte:2026-11-30 09:00:00" });
    assert.deepEqual(cursorOf("/v1/Accounts/a/Calls.json?Before=x"), { before: "x", window: undefined });
    assert.equal(cursorOf(null), null);
    assert.equal(cursorOf("/v1/Accounts/a/Calls.json?PageSize=25"), null);
  });

  it("durations read as people say them", () => {
    assert.equal(seconds("9"), "9 s");
    assert.equal(seconds(65), "1m 05s");
    assert.equal(seconds(null), "—");
  });
});

describe("console dashboard: the stats answer as chart series and text", () => {
  const stats: CallStats = {
    StartTime: "2026-11-30 08:00:00",
    EndTime: "2026-11-30 09:03:00",
    BucketSeconds: 60,
    Totals: { Calls: 4, Answered: 3, Failed: 1, AnswerRate: 0.75 },
    Buckets: [
      { Start: "2026-11-30 08:00:00", Calls: 0, Answered: 0, Failed: 0 },
      { Start: "2026-11-30 08:59:00", Calls: 3, Answered: 2, Failed: 1 },
      { Start: "2026-11-30 09:02:00", Calls: 1, Answered: 1, Failed: 0 },
    ],
  };

  it("x in epoch seconds (UTC), calls per bucket, answer rate % with gaps where there were no calls", () => {
    assert.equal(epochSeconds("2026-11-30 08:00:00"), Date.UTC(2026, 10, 30, 8) / 1000);
    assert.equal(epochSeconds("2026-11-30T08:00:00Z"), Date.UTC(2026, 10, 30, 8) / 1000);
    assert.deepEqual(chartSeries(stats), [[Date.UTC(2026, 10, 30, 8) / 1000, Date.UTC(2026, 10, 30, 8, 59) / 1000, Date.UTC(2026, 10, 30, 9, 2) / 1000], [0, 3, 1], [null, 66.7, 100]]);
  });

  it("the table alternative sums hours with calls; the busiest bucket; rates as percentages", () => {
    assert.deepEqual(hourlyRows(stats), [
      { hour: "2026-11-30 08:00", calls: 3, answered: 2, failed: 1 },
      { hour: "2026-11-30 09:00", calls: 1, answered: 1, failed: 0 },
    ]);
    assert.equal(peak(stats)?.Start, "2026-11-30 08:59:00");
    assert.equal(peak({ ...stats, Buckets: [] }), null);
    assert.equal(percent(0.6667), "66.7%");
    assert.equal(percent(null), "—");
  });
});
