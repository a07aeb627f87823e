// A click on a widget's saved picture shows it at its own size; a click anywhere puts it back.
document.addEventListener("click", (event) => {
  const picture = event.target.closest(".gdw-static img, .gdw-static svg");
  const zoomed = document.querySelector(".gdw-zoomed");
  if (zoomed) zoomed.classList.remove("gdw-zoomed");
  if (picture && picture !== zoomed) picture.classList.add("gdw-zoomed");
});
