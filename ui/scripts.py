"""The chat page's own scripts, run in the browser by Gradio events (`js=`) in ui/app.py."""

from qa.query.validate import MAX_QUESTION_CHARS

# After an answer: the chat shows the question just asked at its top, with the answer below it (it
# scrolled to the end of the last citation card, so the answer itself was out of sight).
# Each answer's [n] markers show their card when clicked (a browser user expected them to).
# And each message's label for screen readers is its text, not its HTML (Gradio labels a message with
# its content: "bot's message: <div class=...", 6,689 characters for one answer, a new user found).
TURN_JS = """() => { window.__qaAsking = 0; window.__qaRestoring = 0; setTimeout(() => {
  const wrap = document.querySelector('#qa-chat .bubble-wrap');
  const asked = document.querySelectorAll('#qa-chat .user-row');
  const last = asked[asked.length - 1];
  if (wrap && last) {  // 48 px: below the chat's icons
    wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 48;
  }
  const mark = "'s message: ";
  document.querySelectorAll('#qa-chat [aria-label]').forEach((el) => {
    const label = el.getAttribute('aria-label'), at = label.indexOf(mark);
    if (at < 0) return;
    const text = el.innerText.replace(/\\s+/g, ' ').trim();
    const said = text.length > 600 ? text.slice(0, 600) + '…' : text;
    el.setAttribute('aria-label', label.slice(0, at + mark.length) + said);
  });
  document.querySelectorAll('#qa-chat sup.qa-ref:not(.qa-live)').forEach((sup) => {
    sup.classList.add('qa-live');
    sup.setAttribute('role', 'link');
    sup.tabIndex = 0;
    const show = () => {
      const cards = [];
      for (let x = sup.closest('.qa-answer'); x; x = x.nextElementSibling) {
        if (x.classList.contains('qa-card')) cards.push(x);
      }
      const card = cards[parseInt(sup.innerText.replace(/\\D/g, ''), 10) - 1];
      if (!card) return;
      card.scrollIntoView({block: 'center'});
      card.classList.add('qa-flash');
      setTimeout(() => card.classList.remove('qa-flash'), 1500);
    };
    sup.addEventListener('click', show);
    sup.addEventListener('keydown', (e) => { if (e.key === 'Enter') show(); });
  });
}, 150); }"""
# Enter: the question goes to `pending` for the search and leaves the box at once, in the page itself,
# keeping whatever was typed after it (emptied by the answer, the box lost a next question's first
# letters; emptied by an output of this event, it still lost the keys of the moment Gradio took to set it).
# A question too long to ask stays in the box to be cut down (the refusal says how long it may be), and
# so does one sent while the last is still being answered (TURN_JS says when it is; a minute at most,
# should that never come): it was dropped, after the box had let it go. Its search gets "" (nothing).
TAKE_JS = """async (q) => {
  const since = Date.now();  // a question sent before the kept conversation is shown waits for it (RESTORING_HEAD)
  while (window.__qaRestoring && Date.now() - since < 10000) await new Promise((r) => setTimeout(r, 50));
  if (window.__qaAsking && Date.now() - window.__qaAsking < 60000) return [''];
  const box = document.querySelector('#qa-question textarea');
  if (box && box.value.startsWith(q) && q.trim().length <= LIMIT) {
    box.value = box.value.slice(q.length);
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }
  if (q.trim()) window.__qaAsking = Date.now();
  return [q];
}""".replace("LIMIT", str(MAX_QUESTION_CHARS))
# Scroll the marked passage of the source panel into view once it is rendered.
SCROLL_JS = """() => { setTimeout(() => {
  const el = document.getElementById('qa-cited');
  if (el) { el.scrollIntoView({block: 'center'}); }
}, 150); }"""
# "Export conversation": the notes download at once (the button had only offered a file row below
# it, to be clicked in turn: a new user's two clicks). The link appears once Gradio has rendered it.
EXPORT_JS = """() => {
  const started = Date.now();
  const tryClick = () => {
    const link = document.querySelector('#qa-notes a[download], #qa-notes a');
    if (link) { link.click(); } else if (Date.now() - started < 5000) { setTimeout(tryClick, 100); }
  };
  setTimeout(tryClick, 100);
}"""
# Set before the page's app starts, cleared by TURN_JS once the kept conversation is shown (ui/keep.py):
# a question asked in the moment before was asked without it, and the restore then painted over its
# answer (a review).
RESTORING_HEAD = "<script>window.__qaRestoring = Date.now();</script>"
