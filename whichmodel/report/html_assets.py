"""The HTML report's inline CSS and its small search script (no network)."""

CSS = """
:root{--fg:#1d2430;--mut:#5f6b7a;--line:#d8dee6;--bg:#fff;--soft:#f4f6f9;
--ok:#1a7f37;--warn:#9a6700;--bad:#b42318;--info:#0b5cad}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:var(--fg);background:var(--bg);margin:0 auto;max-width:1280px;padding:16px 24px 64px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:32px 0 8px;
border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:20px 0 6px}
.mut{color:var(--mut)}.small{font-size:12px}
.verdict{font-size:16px;background:var(--soft);border-left:4px solid var(--info);
padding:10px 14px;margin:12px 0}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;color:#fff;font-weight:600;
font-size:13px;margin-right:8px;text-transform:uppercase;letter-spacing:.03em}
.b-switch{background:var(--ok)}.b-keep{background:var(--info)}.b-undecided{background:var(--warn)}
.b-none{background:var(--mut)}
.note{background:#fff8e6;border:1px solid #f0d58c;padding:8px 12px;margin:10px 0}
ul.warn{margin:6px 0;padding-left:20px;color:var(--warn)}
table{border-collapse:collapse;margin:6px 0 4px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:right;vertical-align:top;
white-space:nowrap}
th{background:var(--soft);font-weight:600}
th:first-child,td:first-child,td.l,th.l{text-align:left}
caption.cap{caption-side:bottom;text-align:left;color:var(--mut);font-size:12px;padding-top:4px}
td.why{text-align:left;max-width:420px;color:var(--mut);font-size:12px;white-space:normal}
.s-qualifies,.d-switch{color:var(--ok);font-weight:600}
.s-fails{color:var(--bad);font-weight:600}.s-undecided,.d-undecided{color:var(--warn);font-weight:600}
.chart svg{max-width:100%;height:auto;display:block}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:6px 0}
dl.kv dt{color:var(--mut)}dl.kv dd{margin:0;word-break:break-word}
pre.json{background:var(--soft);padding:10px;overflow:auto;font-size:12px;max-height:480px}
.tools{position:sticky;top:0;background:var(--bg);padding:8px 0;z-index:2;
border-bottom:1px solid var(--line);display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.tools input[type=search]{width:340px;max-width:100%;padding:5px 8px;font:inherit}
details.p{border:1px solid var(--line);border-radius:6px;margin:5px 0;background:var(--bg)}
details.p>summary{cursor:pointer;padding:6px 10px;list-style-position:inside}
details.p[open]>summary{background:var(--soft);border-bottom:1px solid var(--line)}
.pid{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;color:var(--mut)}
.chips{float:right}
.c{display:inline-block;min-width:38px;text-align:center;font-size:11px;margin-left:3px;
padding:0 4px;border-radius:4px;background:var(--soft);font-family:ui-monospace,monospace}
.c.r{background:#fde7c2}.c.e{background:#f9d0cc}.c.w{background:#fbe2e0}.c.b{background:#dcfce7}
.body{padding:8px 10px}
.pm{margin-bottom:8px}.msg{margin:2px 0}.role{font-weight:600;color:var(--mut);
font-size:12px;text-transform:uppercase}
.t{white-space:pre-wrap;word-break:break-word}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:8px}
.a{border:1px solid var(--line);border-radius:6px;padding:6px 8px;min-width:0}
.a.base{border-color:#7aa7d9}.a.ref{background:#fff8ec}.a.err{background:#fdf0ef}
.a .h{font-weight:600;margin-bottom:2px}.tag{font-size:11px;font-weight:600;padding:0 5px;
border-radius:4px;margin-left:4px;background:var(--soft);color:var(--mut)}
.tag.ref{background:#fde7c2;color:#7a4b00}.tag.err{background:#f9d0cc;color:var(--bad)}
.sc{font-size:12px;color:var(--mut);margin:2px 0}
.rat{font-size:12px;font-style:italic;color:var(--mut);margin:2px 0 6px}
details.more>summary{cursor:pointer;color:var(--info);font-size:12px}
"""

JS = """
(function(){
var q=document.getElementById('q'),f=document.getElementById('f'),
all=document.getElementById('qa'),n=document.getElementById('n');
var items=Array.prototype.slice.call(document.querySelectorAll('details.p'));
var cats=Array.prototype.slice.call(document.querySelectorAll('section.cat'));
var tp=null,ta=null,timer=null;
function low(d,whole){var e=whole?d:d.querySelector('.pm');
return (d.id+' '+(e?e.textContent:'')+' '+d.querySelector('summary').textContent).toLowerCase();}
function run(){
var s=q.value.trim().toLowerCase(),fl=f.value,w=all.checked,shown=0,i,d,ok,txt;
if(s&&!w&&!tp){tp=items.map(function(d){return low(d,false);});}
if(s&&w&&!ta){ta=items.map(function(d){return low(d,true);});}
txt=w?ta:tp;
for(i=0;i<items.length;i++){d=items[i];
ok=(!fl||(' '+d.getAttribute('data-f')+' ').indexOf(' '+fl+' ')>=0)&&(!s||txt[i].indexOf(s)>=0);
d.hidden=!ok;if(ok){shown++;}}
cats.forEach(function(c){c.hidden=!c.querySelector('details.p:not([hidden])');});
n.textContent=shown+' of '+items.length+' prompts';}
q.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(run,150);});
f.addEventListener('change',run);all.addEventListener('change',run);
})();
"""
