// Optional location evidence at check-in (issue #19): asked of the browser only when the
// official ticks the box; the attendance service keeps it only where the agency's policy turns
// it on, coarsened to its grid. Without JavaScript the form works, without a location.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("share-location");
  if (!box || !navigator.geolocation) return;
  const form = box.closest("form");
  box.addEventListener("change", () => {
    if (!box.checked) {
      form.latitude.value = form.longitude.value = "";
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        form.latitude.value = pos.coords.latitude.toFixed(5);
        form.longitude.value = pos.coords.longitude.toFixed(5);
      },
      () => { box.checked = false; },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 },
    );
  });
});
