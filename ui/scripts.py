"""The chat page's own scripts, run in the browser by Gradio events (`js=`) in ui/app.py."""

from qa.query.validate import MAX_QUESTION_CHARS

# After an answer: the chat shows the question just asked at its top, with the answer below it (it
# scrolled to the end of the last citation card, so the answer itself was out of sight).
TURN_JS = """() => { setTimeout(() => {
  const wrap = document.querySelector('#qa-chat .bubble-wrap');
  const asked = document.querySelectorAll('#qa-chat .user-row');
  const last = asked[asked.length - 1];
  if (wrap && last) {  // 48 px: below the chat's icons
    wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 48;
  }
}, 150); }"""
# Enter: the question goes to `pending` for the search and leaves the box at once, in the page itself,
# keeping whatever was typed after it (emptied by the answer, the box lost a next question's first
# letters; emptied by an output of this event, it still lost the keys of the moment Gradio took to set it).
# A question too long to ask stays in the box to be cut down (the refusal says how long it may be).
TAKE_JS = """(q) => {
  const box = document.querySelector('#qa-question textarea');
  if (box && box.value.startsWith(q) && q.trim().length <= LIMIT) {
    box.value = box.value.slice(q.length);
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }
  return [q];
}""".replace("LIMIT", str(MAX_QUESTION_CHARS))
# Scroll the marked passage of the source panel into view once it is rendered.
SCROLL_JS = """() => { setTimeout(() => {
  const el = document.getElementById('qa-cited');
  if (el) { el.scrollIntoView({block: 'center'}); }
}, 150); }"""
