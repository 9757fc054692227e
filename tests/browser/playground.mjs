// The Microsoft 365 Agents Playground's web page, driven as a person would use it: pick a
// conversation, type (with an @mention where Teams needs one), press card buttons, read cards.
//
// Selectors come from the Playground 0.2.28 page (see NOTES.md): conversations are tree items
// named by aria-label, bot replies are Adaptive Cards rendered into `.ac-adaptiveCard`, card
// buttons are Fluent buttons in `.ac-actionSet` named by the action's title, and the @mention
// picker offers the bot as a menu item.

export const CONVERSATIONS = {
  personal: 'Personal Chat',
  group: 'Group Chat',
  channel: 'My Team - General',
};

const CARD = '.ac-adaptiveCard';
const CARD_BUTTON = '.ac-actionSet button';
const SEEN = 'data-maturitybot-seen';
const PLAYGROUND_WARNING = /(.+?) is not supported yet in Microsoft 365 Agents playground/;
// A reply counts as complete when no card has changed for this long.
const QUIET_MS = 800;
const POLL_MS = 100;

export class PlaygroundError extends Error {}

export class Playground {
  constructor(page, { botName, shots }) {
    this.page = page;
    this.botName = botName;
    this.shots = shots;
    this.conversation = 'personal';
    this.shotNumber = 0;
    this.traffic = [];
  }

  /** Open the page and wait until it is connected to the bot. The Playground then selects
   * the personal chat and installs the app there (a bot may greet). */
  static async open(browser, url, options) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    // Fonts and an animation script come from a CDN; fail them at once instead of waiting.
    await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/]|localhost[:/])/, (route) => route.abort());
    const playground = new Playground(page, options);
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => playground.overhear(String(payload))),
    );
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.getByText('Connected.', { exact: true }).waitFor({ timeout: 30_000 });
    return playground;
  }

  /** What the bot sent since the last call, as the page heard it from the Playground's
   * server: new and edited messages and answered invokes, with each card's `refresh`. */
  takeTraffic() {
    return this.traffic.splice(0);
  }

  /** Switch to a conversation; the first visit installs the app there. Returns the cards of
   * the conversation once at least `expect` are shown and the page is quiet. */
  async switchTo(kind, { expect = 0, timeout = 15_000 } = {}) {
    const name = CONVERSATIONS[kind];
    if (!name) throw new PlaygroundError(`unknown conversation type ${kind}`);
    await this.markAll();
    await this.page.getByRole('treeitem', { name, exact: true }).click();
    this.conversation = kind;
    await this.composer().waitFor({ timeout });
    return this.changedCards(expect, timeout, `the cards in ${name}`);
  }

  /** Type a message and send it. In group chats and channels it starts with an @mention of
   * the bot: the Playground delivers nothing else there, as Teams. A channel message is a new
   * post. Returns the cards that appeared or changed. */
  async say(text, { expect = 1, timeout = 15_000 } = {}) {
    await this.markAll();
    await this.composer().click();
    if (this.conversation !== 'personal') await this.mentionBot();
    await this.page.keyboard.type(text);
    if (this.conversation === 'channel') {
      await this.page.getByRole('button', { name: 'Post', exact: true }).click();
    } else {
      await this.page.keyboard.press('Enter');
    }
    return this.changedCards(expect, timeout, `a reply to “${text}”`);
  }

  /** Press a card button (by its title) on the last card that shows `cardText`. Returns the
   * cards that changed or appeared because of it. */
  async click(cardText, title, { expect = 1, timeout = 15_000 } = {}) {
    const card = this.page.locator(CARD, { hasText: cardText }).last();
    if ((await card.count()) === 0) throw new PlaygroundError(`no card shows “${cardText}”`);
    const named = card.getByRole('button', { name: title, exact: true });
    const button = card.locator(CARD_BUTTON).and(named);
    if ((await button.count()) === 0) {
      const titles = await card.locator(CARD_BUTTON).allInnerTexts();
      throw new PlaygroundError(`no “${title}” button on the card; it has: ${titles.join(', ')}`);
    }
    await this.markAll();
    await button.click();
    return this.changedCards(expect, timeout, `the card after pressing “${title}”`);
  }

  /** Type `text` into the text box of the last card that shows `cardText` (a comment box);
   * the Playground sends it with the card's next button press, as Teams does. */
  async fill(cardText, text) {
    const card = this.page.locator(CARD, { hasText: cardText }).last();
    const box = card.locator('textarea, input[type="text"]').first();
    if ((await box.count()) === 0) throw new PlaygroundError(`no text box on “${cardText}”`);
    await box.fill(text);
  }

  /** The cards that arrived or changed since the last step (all of them before the first). */
  async arrived({ expect = 1, timeout = 15_000 } = {}) {
    return this.changedCards(expect, timeout, 'the bot to speak');
  }

  /** Do nothing and wait for cards to change or appear (e.g. a bot's delayed edit). */
  async waitForChanges({ expect = 1, timeout = 15_000 } = {}) {
    await this.markAll();
    return this.changedCards(expect, timeout, 'a card to change');
  }

  /** The last `count` cards in the current conversation, in page order. */
  async lastCards(count) {
    const elements = (await this.page.$$(CARD)).slice(-count);
    return { elements, cards: await readCards(elements), millis: 0 };
  }

  /** A screenshot of the page scrolled to the first of `elements` (the newest post sits at
   * the top of a channel, the newest message at the bottom of a chat), and one of each card. */
  async capture(name, elements) {
    this.shotNumber += 1;
    const stem = `${this.shots}/${String(this.shotNumber).padStart(2, '0')}-${name}`;
    if (elements.length) await elements[0].evaluate(scrollNearTop);
    await this.page.screenshot({ path: `${stem}.png` });
    const cards = [];
    for (const [index, element] of elements.entries()) {
      const file = `${stem}-card${index + 1}.png`;
      await element.screenshot({ path: file });
      cards.push(file);
    }
    return { page: `${stem}.png`, cards };
  }

  /** The Playground's notes about card features it does not support, in this conversation. */
  async warnings() {
    const texts = await this.page.getByText(PLAYGROUND_WARNING).allInnerTexts();
    return [...new Set(texts.map((text) => text.match(PLAYGROUND_WARNING)[1]))].sort();
  }

  // --- internals ---------------------------------------------------------------------

  /** One frame from the Playground's server to the page: a message to show, or a log entry
   * (the log carries the bot's invoke responses). */
  overhear(payload) {
    let frame;
    try {
      frame = JSON.parse(payload);
    } catch {
      return;
    }
    if (frame.action === 'createMessage' || frame.action === 'updateMessage') {
      const card = frame.message?.attachments?.[0]?.content;
      this.traffic.push({
        kind: frame.action === 'createMessage' ? 'message' : 'update',
        conversation: frame.actionConversationId,
        messageId: frame.message?.messageId,
        refresh: card?.refresh ?? null,
      });
    } else if (frame.log?.activityName === 'invoke') {
      const response = frame.log.response ?? {};
      this.traffic.push({
        kind: 'invoke',
        conversation: frame.log.conversationId,
        messageId: frame.log.request?.body?.replyToId,
        status: response.statusCode,
        refresh: response.body?.value?.refresh ?? null,
      });
    }
  }

  composer() {
    // Chats have one box at the bottom; a channel's first box starts a new post (each post
    // also has its own reply box further down).
    const boxes = this.page.getByRole('textbox');
    return this.conversation === 'channel' ? boxes.first() : boxes.last();
  }

  async mentionBot() {
    await this.page.keyboard.type(`@${this.botName.split(' ')[0]}`);
    // The picker's items are named by avatar and text ("Test Bot Test Bot" in group chats).
    const choice = this.page.getByRole('menuitem').filter({ hasText: this.botName }).first();
    await choice.waitFor({ timeout: 5_000 });
    await choice.click();
    await this.page.keyboard.type(' ');
  }

  /** Remember what every card says now, to tell later which ones changed or are new. A card
   * the page replaced has no mark, one it re-rendered has a stale mark: both count. */
  async markAll() {
    await this.page.$$eval(
      CARD,
      (cards, attribute) => {
        for (const card of cards) card.setAttribute(attribute, card.innerText);
      },
      SEEN,
    );
  }

  /** Wait until at least `expect` cards are new or changed and none has changed for a
   * moment; then the changed cards, in page order. */
  async changedCards(expect, timeout, what) {
    const started = Date.now();
    let signature = null;
    let quietSince = started;
    for (;;) {
      const now = await this.page.$$eval(
        CARD,
        (cards, attribute) =>
          cards
            .filter((card) => card.getAttribute(attribute) !== card.innerText)
            .map((card) => card.innerText),
        SEEN,
      );
      const current = JSON.stringify(now);
      if (current !== signature) {
        signature = current;
        quietSince = Date.now();
      } else if (now.length >= expect && Date.now() - quietSince >= QUIET_MS) {
        break;
      }
      if (Date.now() - started > timeout) {
        throw new PlaygroundError(
          `timed out after ${timeout} ms waiting for ${what}: ${now.length} of ${expect} ` +
            `cards arrived: ${JSON.stringify(now.map((text) => text.slice(0, 80)))}`,
        );
      }
      await this.page.waitForTimeout(POLL_MS);
    }
    const elements = [];
    for (const element of await this.page.$$(CARD)) {
      const changed = await element.evaluate(
        (card, attribute) => card.getAttribute(attribute) !== card.innerText,
        SEEN,
      );
      if (changed) elements.push(element);
    }
    return { elements, cards: await readCards(elements), millis: Date.now() - started };
  }
}

// Runs in the page: the card near the top of its scrolling pane, with its author line above.
function scrollNearTop(card) {
  card.scrollIntoView({ block: 'start' });
  for (let pane = card.parentElement; pane; pane = pane.parentElement) {
    if (pane.scrollHeight > pane.clientHeight && getComputedStyle(pane).overflowY !== 'visible') {
      pane.scrollBy(0, -120);
      return;
    }
  }
}

/** What a person sees on each card: its text, buttons, images and input boxes. */
async function readCards(elements) {
  const cards = [];
  for (const element of elements) cards.push(await element.evaluate(readCard));
  return cards;
}

// Runs in the page.
async function readCard(card) {
  const images = [...card.querySelectorAll('img')];
  // An image counts once the browser has decoded it, or given up.
  await Promise.all(images.map((image) => image.decode().catch(() => {})));
  return {
    text: card.innerText,
    buttons: [...card.querySelectorAll('.ac-actionSet button')].map((b) => b.innerText.trim()),
    inputs: [...card.querySelectorAll('input, textarea')].map((input) => input.placeholder),
    images: images.map((image) => ({
      alt: image.alt,
      // A data: URI is cut after its media type; the bytes say nothing here.
      source: image.src.startsWith('data:')
        ? image.src.slice(0, image.src.indexOf(',') + 1)
        : image.src,
      complete: image.complete,
      naturalWidth: image.naturalWidth,
      naturalHeight: image.naturalHeight,
    })),
  };
}
