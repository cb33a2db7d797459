import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countDialogs } from "../../src/edge/live.js";

describe("live calls: counting an edge's dialogs (dlg.list)", () => {
  it("counts each dialog once on every trunk of its trunk profile; deleted dialogs and other profiles not at all", () => {
    const dialogs = [
      { state: 4, profiles: [{ trunk: "1" }] },
      { state: 1, profiles: [{ trunk: "1" }, { trunk: "2" }] },
      // A value set twice on one dialog counts once.
      { state: 3, profiles: [{ trunk: "3" }, { trunk: "3" }] },
      // Ended: kept briefly by the dialog module in state 5.
      { state: 5, profiles: [{ trunk: "1" }] },
      { state: 4, profiles: [{ other: "1" }] },
      { state: 4, profiles: [] },
      { state: 4 },
      { state: 4, profiles: [{ trunk: "x" }, { trunk: "0" }, { trunk: "-2" }] },
      null,
    ];
    assert.deepEqual([...countDialogs(dialogs)].sort(), [
      [1, 2],
      [2, 1],
      [3, 1],
    ]);
  });

  it("an answer that is not a list counts nothing", () => {
    assert.equal(countDialogs("ok").size, 0);
    assert.equal(countDialogs({ error: "x" }).size, 0);
    assert.equal(countDialogs([]).size, 0);
  });
});
