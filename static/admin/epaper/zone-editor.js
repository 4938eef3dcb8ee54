// The e-paper's zone editor (admin/articles/printpage/zones.html): no dependencies.
//
// Zones are rectangles in fractions of the page, [x, y, w, h] from its top left corner, kept
// per article. Pick an article, drag on the page to draw a rectangle for it; click a
// rectangle to select it, drag to move it, Delete to remove it, arrow keys to nudge it. Save
// sends every zone with the version the page was loaded at: the server refuses it (409) if
// someone saved in between, so nobody overwrites another editor unseen.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("zone-data").textContent);
  var root = document.querySelector(".zone-editor");
  var page = document.getElementById("zone-page");
  var picker = document.getElementById("zone-article");
  var list = document.getElementById("zone-list");
  var status = document.getElementById("zone-status");
  var csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  var MIN = 0.004;

  var version = data.version;
  var titles = {};
  var zones = {}; // article id → {rects: [[x, y, w, h]], proposed: bool}
  var order = []; // article ids, in the order their zones were made
  var selected = null; // {article, index}
  var gesture = null;
  var dirty = false;

  data.articles.forEach(function (article) {
    titles[article.id] = article.title;
    var option = document.createElement("option");
    option.value = String(article.id);
    option.textContent =
      (article.page ? "第" + article.page + "版 " : "") +
      article.title +
      (article.published ? "" : "(未发布)");
    picker.appendChild(option);
  });
  data.zones.forEach(function (zone) {
    zones[zone.article] = { rects: zone.rects.map(function (r) { return r.slice(); }), proposed: zone.proposed };
    order.push(zone.article);
  });

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  function point(event) {
    var box = page.getBoundingClientRect();
    return [
      clamp((event.clientX - box.left) / box.width, 0, 1),
      clamp((event.clientY - box.top) / box.height, 0, 1),
    ];
  }

  function say(message, isError) {
    status.textContent = message;
    status.className = isError ? "errornote" : "";
  }

  function changed() {
    dirty = true;
    say("有未保存的改动。", false);
    draw();
  }

  function place(element, rect) {
    element.style.left = rect[0] * 100 + "%";
    element.style.top = rect[1] * 100 + "%";
    element.style.width = rect[2] * 100 + "%";
    element.style.height = rect[3] * 100 + "%";
  }

  function draw() {
    page.querySelectorAll(".zone-rect").forEach(function (element) { element.remove(); });
    list.textContent = "";
    order.forEach(function (article) {
      var zone = zones[article];
      zone.rects.forEach(function (rect, index) {
        var element = document.createElement("div");
        element.className = "zone-rect" + (zone.proposed ? " proposed" : "");
        if (selected && selected.article === article && selected.index === index) {
          element.className += " selected";
        }
        element.dataset.article = String(article);
        element.dataset.index = String(index);
        element.title = titles[article] || "";
        var label = document.createElement("span");
        label.textContent = titles[article] || "";
        element.appendChild(label);
        place(element, rect);
        page.appendChild(element);
      });
      var item = document.createElement("li");
      var name = document.createElement("button");
      name.type = "button";
      name.className = "zone-name";
      name.textContent = titles[article] || "稿件 " + article;
      name.addEventListener("click", function () {
        selected = { article: article, index: 0 };
        picker.value = String(article);
        draw();
        page.focus();
      });
      item.appendChild(name);
      var note = document.createElement("span");
      note.textContent =
        " " + zone.rects.length + " 个矩形" + (zone.proposed ? "(自动识别)" : "") + " ";
      item.appendChild(note);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button";
      remove.textContent = "删除区域";
      remove.setAttribute("aria-label", "删除区域:" + (titles[article] || article));
      remove.addEventListener("click", function () {
        removeZone(article);
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  function removeZone(article) {
    delete zones[article];
    order = order.filter(function (id) { return id !== article; });
    if (selected && selected.article === article) selected = null;
    changed();
  }

  function removeSelected() {
    if (!selected) {
      say("请先点击选中一个矩形。", true);
      return;
    }
    var zone = zones[selected.article];
    zone.rects.splice(selected.index, 1);
    zone.proposed = false;
    if (!zone.rects.length) removeZone(selected.article);
    selected = null;
    changed();
  }

  page.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) return;
    event.preventDefault();
    page.focus();
    var start = point(event);
    var target = event.target.closest(".zone-rect");
    if (target) {
      var article = Number(target.dataset.article);
      var index = Number(target.dataset.index);
      selected = { article: article, index: index };
      picker.value = String(article);
      var rect = zones[article].rects[index];
      gesture = { kind: "move", start: start, origin: rect.slice(), moved: false };
      draw();
    } else {
      if (!picker.value) {
        say("请先在“当前稿件”中选择稿件,再画区域。", true);
        return;
      }
      gesture = { kind: "draw", start: start, rect: [start[0], start[1], 0, 0] };
      gesture.element = document.createElement("div");
      gesture.element.className = "zone-rect drawing";
      place(gesture.element, gesture.rect);
      page.appendChild(gesture.element);
    }
    page.setPointerCapture(event.pointerId);
  });

  page.addEventListener("pointermove", function (event) {
    if (!gesture) return;
    var now = point(event);
    if (gesture.kind === "draw") {
      gesture.rect = [
        Math.min(now[0], gesture.start[0]),
        Math.min(now[1], gesture.start[1]),
        Math.abs(now[0] - gesture.start[0]),
        Math.abs(now[1] - gesture.start[1]),
      ];
      place(gesture.element, gesture.rect);
    } else {
      var origin = gesture.origin;
      var rect = zones[selected.article].rects[selected.index];
      rect[0] = clamp(origin[0] + now[0] - gesture.start[0], 0, 1 - origin[2]);
      rect[1] = clamp(origin[1] + now[1] - gesture.start[1], 0, 1 - origin[3]);
      gesture.moved = true;
      var element = page.querySelector(".zone-rect.selected");
      if (element) place(element, rect);
    }
  });

  function finish() {
    if (!gesture) return;
    var done = gesture;
    gesture = null;
    if (done.kind === "draw") {
      done.element.remove();
      if (done.rect[2] < MIN || done.rect[3] < MIN) return;
      var article = Number(picker.value);
      if (!zones[article]) {
        zones[article] = { rects: [], proposed: false };
        order.push(article);
      }
      zones[article].rects.push(done.rect);
      zones[article].proposed = false;
      selected = { article: article, index: zones[article].rects.length - 1 };
      changed();
    } else if (done.moved) {
      zones[selected.article].proposed = false;
      changed();
    }
  }

  page.addEventListener("pointerup", finish);
  page.addEventListener("pointercancel", finish);

  page.addEventListener("keydown", function (event) {
    if (!selected) return;
    if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      removeSelected();
      return;
    }
    var steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    var step = steps[event.key];
    if (!step) return;
    event.preventDefault();
    var size = event.shiftKey ? 0.02 : 0.005;
    var rect = zones[selected.article].rects[selected.index];
    rect[0] = clamp(rect[0] + step[0] * size, 0, 1 - rect[2]);
    rect[1] = clamp(rect[1] + step[1] * size, 0, 1 - rect[3]);
    zones[selected.article].proposed = false;
    changed();
  });

  document.getElementById("zone-delete").addEventListener("click", removeSelected);

  document.getElementById("zone-save").addEventListener("click", function () {
    var payload = {
      version: version,
      zones: order.map(function (article) {
        return { article: article, rects: zones[article].rects };
      }),
    };
    say("正在保存…", false);
    fetch(root.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(payload),
    })
      .then(function (response) {
        return response.json().then(
          function (body) { return { ok: response.ok, body: body }; },
          function () { return { ok: false, body: { error: "保存失败(服务器返回 " + response.status + "),请稍后重试。" } }; }
        );
      })
      .then(function (result) {
        if (result.ok) {
          version = result.body.version;
          dirty = false;
          say(result.body.message, false);
        } else {
          say(result.body.error, true);
        }
      })
      .catch(function () {
        say("网络错误,区域没有保存,请稍后重试。", true);
      });
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty) event.preventDefault();
  });

  draw();
})();
