/*
 * flame.js -- the interactive part of `slotprof report --format html`:
 * flamegraphs of the sampled allocation sites.
 *
 * Embedded into the page by tools/html.c (mk/tools-html.mk turns this file
 * into a C array).  It reads the report from the JSON blob
 * <script type="application/json" id="slotprof-data"> -- the report
 * exactly as docs/report-format.md describes it -- and draws, with plain
 * DOM, one flamegraph per <div class="flamegraph">: data-scope="all" for
 * the whole process (root "all", then one frame per class, then the
 * class's allocation stacks, outermost frame first), data-class="N" for
 * classes[N] alone.
 *
 * Names come from the profiled program and may contain anything, markup
 * included (an img tag with an onerror handler): every string reaches the
 * page through
 * textContent, never innerHTML.  No library, no network: the page's
 * Content-Security-Policy forbids both.
 *
 * Numbers are formatted as the text report formats them
 * (profiler/report_text.c): counts with ',' separators, sizes in B, KiB,
 * MiB, GiB with one decimal rounded half up, then the exact byte count.
 * Percentages are rounded half up in integer arithmetic (BigInt), so the
 * page shows the same digits whatever the browser's float formatting.
 */
(function () {
    'use strict';

    var blob = document.getElementById('slotprof-data');
    if (!blob) {
        return;
    }
    var data = JSON.parse(blob.textContent);
    var allocs = data.allocations;

    var ROW = 18;               /* px per stack level */
    var MIN_SHARE = 0.0001;     /* frames narrower than this share of the
                                   zoomed frame (0.1 px of 1000) are not
                                   drawn; totals and search still count
                                   them: they use the tree */
    var WEIGHTS = [
        {key: 'savable_bytes', label: 'savable bytes'},
        {key: 'instances', label: 'live instances'},
        {key: 'allocations', label: 'allocations'}
    ];

    /* ---------------------------------------------------------- numbers */

    function fmtCount(n) {
        return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    }

    /* report_text.c's fmt_bytes: "512 B", else one decimal of the largest
     * unit, rounded half up; 1024.0 of a unit moves to the next one. */
    function fmtBytes(x) {
        var units = ['KiB', 'MiB', 'GiB'];
        var div = 1024, u = 0, tenths;

        if (x < 1024) {
            return x + ' B';
        }
        while (u + 1 < units.length && x >= div * 1024) {
            div *= 1024;
            u++;
        }
        tenths = Math.floor(x / div) * 10
                 + Math.floor(((x % div) * 10 + Math.floor(div / 2)) / div);
        if (tenths >= 10240 && u + 1 < units.length) {
            div *= 1024;
            u++;
            tenths = Math.floor(x / div) * 10
                     + Math.floor(((x % div) * 10 + Math.floor(div / 2))
                                  / div);
        }
        return Math.floor(tenths / 10) + '.' + (tenths % 10) + ' ' + units[u];
    }

    function fmtBytesExact(x) {
        return x < 1024 ? fmtBytes(x) : fmtBytes(x) + ' (' + fmtCount(x)
                                                   + ' B)';
    }

    function plural(n, one, many) {
        return n === 1 ? one : many;
    }

    function fmtWeight(w, k) {
        if (k === 0) {
            return fmtBytesExact(w);
        }
        if (k === 1) {
            return fmtCount(w) + plural(w, ' live instance',
                                        ' live instances');
        }
        return fmtCount(w) + plural(w, ' allocation', ' allocations');
    }

    /* 100 * part / total with `decimals` digits, rounded half up. */
    function fmtPct(part, total, decimals) {
        if (!(total > 0)) {
            return (0).toFixed(decimals) + '%';
        }
        var scale = 1n;
        for (var i = 0; i < decimals + 2; i++) {
            scale *= 10n;
        }
        var t = BigInt(total);
        var v = (BigInt(part) * scale * 2n + t) / (2n * t);
        var s = v.toString();
        if (decimals === 0) {
            return s + '%';
        }
        while (s.length <= decimals) {
            s = '0' + s;
        }
        return s.slice(0, s.length - decimals) + '.'
               + s.slice(s.length - decimals) + '%';
    }

    /* ------------------------------------------------------------- tree */

    function Node(name, kind, parent, frame) {
        this.name = name;
        this.kind = kind;       /* root, class, frame, native, unsampled */
        this.parent = parent;
        this.frame = frame;
        this.depth = parent ? parent.depth + 1 : 0;
        this.w = [0, 0, 0];     /* savable bytes (>= 0), instances, allocs */
        this.children = [];
        this.byKey = new Map();
    }

    Node.prototype.child = function (key, name, kind, frame) {
        var c = this.byKey.get(key);
        if (c === undefined) {
            c = new Node(name, kind, this, frame);
            this.byKey.set(key, c);
            this.children.push(c);
        }
        return c;
    };

    /* Where a frame's code is: "file:line", the DSO of a native frame. */
    Node.prototype.where = function () {
        var f = this.frame;
        if (!f || f.file === null || f.file === undefined) {
            return '';
        }
        return f.line ? f.file + ':' + f.line : f.file;
    };

    /* What the search box matches: the label and the location. */
    Node.prototype.text = function () {
        var w = this.where();
        return w ? this.name + ' ' + w : this.name;
    };

    function className(module, qualname) {
        return module + '.' + qualname;
    }

    /* One tree from sites; classLevel puts a frame per class under the
     * root.  Negative savable bytes (a class that would grow with slots)
     * weigh 0 in the savings graph: a flamegraph cannot draw a negative
     * width, and they are no saving. */
    function buildTree(rootName, sites, classLevel) {
        var root = new Node(rootName, 'root', null, null);
        var frames = allocs && allocs.frames ? allocs.frames : [];

        sites.forEach(function (s) {
            var w = [Math.max(0, s.savable_bytes), s.instances,
                     s.allocations];
            var path = [root];
            var n = root;

            if (classLevel) {
                n = n.child('c' + s.module + '\u001f' + s.qualname,
                            className(s.module, s.qualname), 'class', null);
                path.push(n);
            }
            if (s.frames.length === 0) {
                n = n.child('u', '[unsampled]', 'unsampled', null);
                path.push(n);
            }
            s.frames.forEach(function (fi) {
                var f = frames[fi] || {function: '?', file: null, line: null,
                                       native: false};
                n = n.child('f' + fi, f.function, f.native ? 'native'
                                                           : 'frame', f);
                path.push(n);
            });
            path.forEach(function (p) {
                for (var k = 0; k < 3; k++) {
                    p.w[k] += w[k];
                }
            });
        });
        return root;
    }

    /* ----------------------------------------------------------- colors */

    function hash(s) {
        var h = 2166136261;
        for (var i = 0; i < s.length; i++) {
            h ^= s.charCodeAt(i);
            h = Math.imul(h, 16777619) >>> 0;
        }
        return h;
    }

    /* flamegraph.pl's palettes, chosen by the name so a frame keeps its
     * color across zooms and weights. */
    function color(node) {
        var h = hash(node.name);
        var v1 = (h & 0xff) / 255, v2 = ((h >>> 8) & 0xff) / 255;
        var v3 = ((h >>> 16) & 0xff) / 255;
        switch (node.kind) {
        case 'root':
            return 'rgb(214,214,220)';
        case 'class':
            return 'rgb(' + Math.round(110 + 40 * v1) + ','
                   + Math.round(160 + 40 * v2) + ','
                   + Math.round(225 + 25 * v3) + ')';
        case 'unsampled':
            return 'rgb(200,200,200)';
        case 'native':
            return 'rgb(' + Math.round(80 + 60 * v1) + ','
                   + Math.round(190 + 50 * v2) + ','
                   + Math.round(80 + 60 * v3) + ')';
        default:
            return 'rgb(' + Math.round(205 + 50 * v1) + ','
                   + Math.round(230 * v2) + ',' + Math.round(55 * v3) + ')';
        }
    }

    /* ------------------------------------------------------------ widget */

    function el(tag, cls, text) {
        var e = document.createElement(tag);
        if (cls) {
            e.className = cls;
        }
        if (text !== undefined) {
            e.textContent = text;
        }
        return e;
    }

    function Flamegraph(container, root) {
        var self = this;

        this.root = root;
        this.zoom = root;
        this.k = 0;
        this.term = '';
        this.matched = new Set();

        var bar = el('div', 'fg-toolbar');
        var wl = el('label', null, 'weight ');
        this.select = el('select', 'fg-weight');
        WEIGHTS.forEach(function (w, i) {
            var o = el('option', null, w.label);
            o.value = String(i);
            self.select.appendChild(o);
        });
        wl.appendChild(this.select);
        bar.appendChild(wl);
        this.search = el('input', 'fg-search');
        this.search.type = 'search';
        this.search.placeholder = 'search frames (substring)';
        bar.appendChild(this.search);
        this.matchInfo = el('span', 'fg-matched');
        bar.appendChild(this.matchInfo);
        this.reset = el('button', 'fg-reset', 'reset zoom');
        this.reset.type = 'button';
        bar.appendChild(this.reset);
        bar.appendChild(el('span', 'fg-hint',
                           'click a frame to zoom, the root to zoom out'));
        this.chart = el('div', 'fg-chart');
        this.tip = el('div', 'fg-tip');
        container.appendChild(bar);
        container.appendChild(this.chart);
        container.appendChild(this.tip);
        this.nodeOf = new WeakMap();

        this.select.addEventListener('change', function () {
            self.k = Number(self.select.value);
            if (self.zoom.w[self.k] <= 0) {
                self.zoom = self.root;
            }
            self.update();
        });
        this.search.addEventListener('input', function () {
            self.term = self.search.value;
            self.update();
        });
        this.reset.addEventListener('click', function () {
            self.zoom = self.root;
            self.update();
        });
        this.chart.addEventListener('click', function (ev) {
            var n = self.nodeOf.get(ev.target);
            if (n !== undefined) {
                self.zoom = n;
                self.update();
            }
        });
        this.chart.addEventListener('mousemove', function (ev) {
            var n = self.nodeOf.get(ev.target);
            if (n === undefined) {
                self.tip.style.display = 'none';
                return;
            }
            self.tip.textContent = self.describe(n);
            self.tip.style.display = 'block';
            var x = ev.clientX + 14, y = ev.clientY + 14;
            var r = self.tip.getBoundingClientRect();
            if (x + r.width > window.innerWidth) {
                x = Math.max(0, ev.clientX - r.width - 14);
            }
            if (y + r.height > window.innerHeight) {
                y = Math.max(0, ev.clientY - r.height - 14);
            }
            self.tip.style.left = x + 'px';
            self.tip.style.top = y + 'px';
        });
        this.chart.addEventListener('mouseleave', function () {
            self.tip.style.display = 'none';
        });
        this.update();
    }

    Flamegraph.prototype.label = function (n) {
        if (n.kind === 'root') {
            return n.name + ': ' + fmtWeight(n.w[this.k], this.k);
        }
        return n.kind === 'native' ? n.name + ' [native]' : n.name;
    };

    /* The tooltip: name, location, weight and shares. */
    Flamegraph.prototype.describe = function (n) {
        var k = this.k, lines = [n.kind === 'root' ? n.name : this.label(n)];
        var where = n.where();

        if (where) {
            lines.push((n.kind === 'native' ? 'native code in ' : '')
                       + where);
        }
        else if (n.kind === 'class') {
            lines.push('class');
        }
        else if (n.kind === 'unsampled') {
            lines.push('allocations no sampled stack explains');
        }
        var s = fmtWeight(n.w[k], k) + ', '
                + fmtPct(n.w[k], this.root.w[k], 2) + ' of all';
        if (this.zoom !== this.root && n !== this.zoom
            && n.depth > this.zoom.depth) {
            s += ', ' + fmtPct(n.w[k], this.zoom.w[k], 2) + ' of '
                 + this.label(this.zoom);
        }
        lines.push(s);
        lines.push(n.kind === 'root' || n === this.zoom
                   ? 'click to zoom out' : 'click to zoom in');
        return lines.join('\n');
    };

    Flamegraph.prototype.computeMatches = function () {
        var k = this.k, term = this.term, matched = new Set(), sum = 0;
        var stack;

        if (term !== '') {
            stack = [[this.root, false]];
            while (stack.length > 0) {
                var top = stack.pop(), n = top[0], inside = top[1];
                if (n.w[k] <= 0) {
                    continue;
                }
                var m = n.kind !== 'root' && n.text().indexOf(term) !== -1;
                if (m) {
                    matched.add(n);
                    if (!inside) {
                        sum += n.w[k];  /* nested matches count once */
                    }
                }
                for (var i = 0; i < n.children.length; i++) {
                    stack.push([n.children[i], inside || m]);
                }
            }
        }
        this.matched = matched;
        if (term === '') {
            this.matchInfo.textContent = '';
        }
        else {
            this.matchInfo.textContent = 'Matched: '
                + fmtPct(sum, this.root.w[k], 1) + ' of all, '
                + fmtWeight(sum, k);
        }
    };

    Flamegraph.prototype.frame = function (n, left, width, depth, ancestor) {
        var d = el('div', 'fg-frame', this.label(n));
        if (ancestor) {
            d.classList.add('fg-ancestor');
        }
        if (this.matched.has(n)) {
            d.classList.add('fg-match');
        }
        d.style.left = left + '%';
        d.style.width = width + '%';
        d.style.top = (depth * ROW) + 'px';
        d.style.background = color(n);
        this.nodeOf.set(d, n);
        this.chart.appendChild(d);
    };

    Flamegraph.prototype.update = function () {
        var k = this.k, zoom = this.zoom, zw = zoom.w[k];
        var chain = [], depth = 0, maxDepth = 0, stack;

        this.computeMatches();
        while (this.chart.firstChild) {
            this.chart.removeChild(this.chart.firstChild);
        }
        this.tip.style.display = 'none';
        if (!(this.root.w[k] > 0)) {
            this.chart.appendChild(el('div', 'fg-empty',
                k === 0 ? 'No allocation site has a positive saving.'
                        : 'Nothing to show for this weight.'));
            this.chart.style.height = '';
            return;
        }
        /* The ancestors of the zoomed frame, full width and shaded. */
        for (var a = zoom.parent; a; a = a.parent) {
            chain.unshift(a);
        }
        for (depth = 0; depth < chain.length; depth++) {
            this.frame(chain[depth], 0, 100, depth, true);
        }
        /* The zoomed frame at 100%, its descendants in proportion,
         * heaviest first. */
        stack = [[zoom, 0, depth]];
        while (stack.length > 0) {
            var t = stack.pop(), n = t[0], x = t[1], d = t[2];
            this.frame(n, 100 * x / zw, 100 * n.w[k] / zw, d, false);
            maxDepth = Math.max(maxDepth, d);
            var kids = n.children.filter(function (c) {
                return c.w[k] > 0 && c.w[k] / zw >= MIN_SHARE;
            });
            kids.sort(function (p, q) {
                return q.w[k] - p.w[k] || (p.name < q.name ? -1
                                           : p.name > q.name ? 1 : 0);
            });
            var cx = x;
            for (var i = 0; i < kids.length; i++) {
                stack.push([kids[i], cx, d + 1]);
                cx += kids[i].w[k];
            }
        }
        this.chart.style.height = ((maxDepth + 1) * ROW + 2) + 'px';
    };

    /* ------------------------------------------------------------- pages */

    function sitesOf(module, qualname) {
        return allocs.sites.filter(function (s) {
            return s.module === module && s.qualname === qualname;
        });
    }

    function init(container) {
        if (container.dataset.ready) {
            return;
        }
        container.dataset.ready = '1';
        if (container.dataset.scope === 'all') {
            new Flamegraph(container, buildTree('all', allocs.sites, true));
            return;
        }
        var c = data.classes[Number(container.dataset.class)];
        new Flamegraph(container,
                       buildTree(className(c.module, c.qualname),
                                 sitesOf(c.module, c.qualname), false));
    }

    /* A graph inside a closed <details> has no width yet: draw it when
     * the section opens. */
    function initVisible() {
        document.querySelectorAll('div.flamegraph').forEach(function (c) {
            var d = c.closest('details');
            if (!d || d.open) {
                init(c);
            }
        });
    }

    /* A link to a class's section (the table's names) opens it. */
    function openTarget() {
        var id = decodeURIComponent(location.hash.slice(1));
        var t = id ? document.getElementById(id) : null;
        if (t && t.tagName === 'DETAILS') {
            t.open = true;
        }
    }

    window.addEventListener('hashchange', openTarget);
    if (allocs && allocs.sites) {
        document.querySelectorAll('details').forEach(function (d) {
            d.addEventListener('toggle', initVisible);
        });
    }
    openTarget();
    if (allocs && allocs.sites) {
        initVisible();
    }
}());
