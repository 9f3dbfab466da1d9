// Students & permissions: every ACTIVE enrollment of the lecture with its progress, its rule and
// what applies now; one rule set for several students at once, or a student's row edited.

import { ApiError, api, h } from "../api.js";
import { clearError, showError } from "./alerts.js";
import { $$ } from "./state.js";
import { fresh, inTab } from "./tab-panel.js";
import { badge, emptyRow } from "./widgets.js";

export function loadStudents(video, gen, panel) {
  inTab(gen, panel, async () => {
    const [stats, permissions] = await Promise.all([
      api("GET", `/videos/${video.id}/stats/`),
      api("GET", `/video-permissions/?video=${video.id}`),
    ]);
    const byEnrollment = new Map(permissions.map((p) => [p.enrollment, p]));
    return studentsView(video, stats.students, byEnrollment, gen, panel);
  });
}

function triSelect(className, value, yes, no, label) {
  const current = value === true ? "true" : value === false ? "false" : "";
  return h(
    "select",
    { className, "aria-label": label },
    h("option", { value: "", selected: current === "" }, "Default"),
    h("option", { value: "true", selected: current === "true" }, yes),
    h("option", { value: "false", selected: current === "false" }, no),
  );
}

function triValue(select) {
  return select.value === "" ? null : select.value === "true";
}

function studentsView(video, students, permissions, gen, panel) {
  const reload = () => {
    if (fresh(gen)) loadStudents(video, gen, panel);
  };
  const selectAll = h("input", {
    type: "checkbox",
    id: "select-all-students",
    "aria-label": "Select all students",
    onchange: () => {
      for (const box of $$("input.select-student", panel)) box.checked = selectAll.checked;
      updateBulk();
    },
  });
  const bulkRule = h(
    "select",
    { id: "bulk-rule", "aria-label": "Rule for the selected students" },
    h("option", { value: "free" }, "free"),
    h("option", { value: "once", selected: true }, "once"),
    h("option", { value: "blocked" }, "blocked"),
  );
  const bulkCount = h("span", { id: "bulk-count", className: "muted" }, "0 selected");
  const bulkApply = h(
    "button",
    {
      type: "button",
      id: "bulk-apply",
      disabled: true,
      onclick: async () => {
        const enrollments = $$("input.select-student:checked", panel).map((b) => Number(b.value));
        if (!enrollments.length) return;
        bulkApply.disabled = true;
        try {
          await api("POST", "/video-permissions/bulk_set/", {
            video_id: video.id,
            enrollments,
            rule: bulkRule.value,
          });
          clearError();
          reload();
        } catch (err) {
          showError(err);
          bulkApply.disabled = false;
        }
      },
    },
    "Set rule",
  );
  function updateBulk() {
    const n = $$("input.select-student:checked", panel).length;
    bulkCount.textContent = `${n} selected`;
    bulkApply.disabled = n === 0;
    const all = $$("input.select-student", panel).length;
    selectAll.checked = n > 0 && n === all;
    selectAll.indeterminate = n > 0 && n < all;
  }

  const rows = students.map((s) => studentRow(video, s, permissions.get(s.enrollment), updateBulk, reload));
  return [
    h(
      "div",
      { className: "toolbar" },
      h("span", { className: "muted" }, `${students.length} active student${students.length === 1 ? "" : "s"}`),
      h("span", { className: "spacer" }),
      bulkCount,
      h("label", { className: "field inline" }, h("span", {}, "Rule"), bulkRule),
      bulkApply,
    ),
    h(
      "div",
      { className: "table-scroll" },
      h(
        "table",
        { id: "students", className: "students" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { className: "check-col" }, selectAll),
            h("th", {}, "Student"),
            h("th", {}, "Progress"),
            h("th", {}, "Rule"),
            h("th", { title: "What applies now: once + completed ⇒ free" }, "Effective"),
            h("th", {}, "Skip"),
            h("th", {}, "Max speed"),
            h("th", {}, "Watermark"),
            h("th", { className: "center", title: "Block seeking entirely" }, "No seek"),
            h("th", { className: "center", title: "Block the speed control" }, "No speed"),
            h("th", {}, ""),
          ),
        ),
        h("tbody", {}, rows.length ? rows : emptyRow(11, "No ACTIVE enrollments in this lecture.")),
      ),
    ),
  ];
}

function studentRow(video, s, permission, onSelect, reload) {
  const p = permission || {};
  const rule = h(
    "select",
    { className: "rule", "aria-label": `Rule for ${s.student_name}` },
    ["free", "once", "blocked"].map((r) => h("option", { value: r, selected: r === (p.rule || s.rule) }, r)),
  );
  const skip = triSelect("allow-skip-override", p.allow_skip_override, "Allow", "Deny", "Allow skip override");
  const speed = h("input", {
    type: "number",
    className: "max-speed-override",
    min: 0.25,
    max: 16,
    step: 0.25,
    placeholder: `${video.max_speed}`,
    value: p.max_speed_override ?? "",
    "aria-label": "Max speed override",
  });
  const watermark = triSelect("show-watermark-override", p.show_watermark_override, "Show", "Hide", "Watermark override");
  const blockSeek = h("input", {
    type: "checkbox",
    className: "block-seek",
    checked: !!p.block_seek,
    "aria-label": "Block seek",
  });
  const blockSpeed = h("input", {
    type: "checkbox",
    className: "block-speed-control",
    checked: !!p.block_speed_control,
    "aria-label": "Block speed control",
  });
  const save = h("button", { type: "button", className: "save-permission small", disabled: true }, "Save");
  const progress = Math.round((Number(s.progress) || 0) * 100);
  const details = [s.attendance_status, s.school, s.grade && `grade ${s.grade}`].filter(Boolean).join(" · ");
  const row = h(
    "tr",
    {
      className: "student",
      dataset: { enrollmentId: s.enrollment, permissionId: p.id ?? "" },
      oninput: () => {
        row.classList.add("dirty");
        save.disabled = false;
      },
    },
    h(
      "td",
      { className: "check-col" },
      h("input", {
        type: "checkbox",
        className: "select-student",
        value: s.enrollment,
        "aria-label": `Select ${s.student_name}`,
        onchange: onSelect,
      }),
    ),
    h(
      "td",
      { className: "student-cell", title: s.student_phone ? `Phone ${s.student_phone}` : null },
      h("div", { className: "name" }, s.student_name || `Enrollment ${s.enrollment}`),
      details ? h("div", { className: "muted small-text" }, details) : null,
    ),
    h(
      "td",
      { className: "progress-cell" },
      h("progress", { max: 100, value: progress }),
      h("span", { className: "pct" }, `${progress}%`),
      s.completed ? badge("done", "ach-completed") : null,
    ),
    h("td", {}, rule),
    h("td", { className: "effective" }, badge(s.effective_rule, `rule-${s.effective_rule}`)),
    h("td", {}, skip),
    h("td", {}, speed),
    h("td", {}, watermark),
    h("td", { className: "center" }, blockSeek),
    h("td", { className: "center" }, blockSpeed),
    h("td", {}, save),
  );
  // The row's own select box is not a permission edit.
  row.querySelector("input.select-student").addEventListener("input", (e) => e.stopPropagation());
  save.addEventListener("click", async () => {
    const speedText = speed.value.trim();
    const speedValue = speedText === "" ? null : Number(speedText);
    if (speedValue !== null && !(speedValue > 0 && speedValue <= 16)) {
      showError(new Error("Max speed override must be empty or between 0.25 and 16."));
      return;
    }
    const fields = {
      rule: rule.value,
      allow_skip_override: triValue(skip),
      max_speed_override: speedValue,
      show_watermark_override: triValue(watermark),
      block_seek: blockSeek.checked,
      block_speed_control: blockSpeed.checked,
    };
    save.disabled = true;
    try {
      if (p.id) {
        await api("PATCH", `/video-permissions/${p.id}/`, fields);
      } else {
        try {
          await api("POST", "/video-permissions/", { video: video.id, enrollment: s.enrollment, ...fields });
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 409)) throw err;
          // Created meanwhile (elsewhere): change that one instead.
          const [existing] = await api("GET", `/video-permissions/?video=${video.id}&enrollment=${s.enrollment}`);
          if (!existing) throw err;
          await api("PATCH", `/video-permissions/${existing.id}/`, fields);
        }
      }
      clearError();
      reload();
    } catch (err) {
      save.disabled = false;
      showError(err);
    }
  });
  return row;
}
