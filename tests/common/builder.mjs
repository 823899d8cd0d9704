// The studio UI's drag of a state node from another pane's tree onto the
// Builder's canvas, as a person does it: press on the node's handle, go
// over the Builder's tab (which opens it), then over the canvas, release.
// `at`: where on the canvas, from its top-left corner.
export async function dragOntoBuilder(page, handle, at, timeout) {
    await handle.hover({ timeout });
    await page.mouse.down();
    const tab = await page.locator('[data-testid="nav-builder"]').boundingBox();
    await page.mouse.move(tab.x + tab.width / 2, tab.y + tab.height / 2, { steps: 5 });
    const canvas = page.locator('[data-testid="builder-canvas"]');
    await canvas.waitFor({ state: 'visible', timeout });
    const c = await canvas.boundingBox();
    await page.mouse.move(c.x + at.x, c.y + at.y, { steps: 5 });
    await page.mouse.up();
}
