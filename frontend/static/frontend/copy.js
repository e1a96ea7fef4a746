// "Copy" buttons: copy an input's value to the clipboard and say so next to the button.

/** Copy `text`; resolves true when the clipboard took it. Falls back to selecting the input (non-HTTPS pages). */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (input) {
      input.focus();
      input.select();
      return document.execCommand && document.execCommand("copy");
    }
    return false;
  }
}

/** Wire `button` to copy `input.value`, showing the outcome in `status`. */
export function bindCopy(button, input, status) {
  button.addEventListener("click", async () => {
    const ok = await copyText(input.value, input);
    if (status) status.textContent = ok ? "Copied." : "Select the link and copy it (Ctrl+C).";
  });
}
